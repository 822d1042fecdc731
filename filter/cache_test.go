package filter

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestCacheCompilesOnceAndStaysBounded(t *testing.T) {
	c := NewCache(8)
	f1, err := c.Compile("SQL92", "a > 5")
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := c.Compile("sql92", "a > 5")
	if f1 != f2 {
		t.Error("the same expression compiled twice")
	}
	_, err1 := c.Compile("SQL92", "a >")
	_, err2 := c.Compile("SQL92", "a >")
	var pe *ParseError
	if !errors.As(err1, &pe) || err1 != err2 {
		t.Errorf("a parse error is not cached: %v, %v", err1, err2)
	}
	if f, err := c.Compile("TAG", "*"); f != nil || err != nil {
		t.Errorf("TAG * = %v, %v; want nil, nil", f, err)
	}
	if _, err := c.Compile("CLASS", "x"); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("an unknown type: %v", err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				if _, err := c.Compile("SQL92", fmt.Sprintf("a > %d", g*1000+i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := c.Len(); n > 8 {
		t.Errorf("the cache holds %d entries, more than its size 8", n)
	}
}
