package pprofsum

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/google/pprof/profile"

	"github.com/rocketstore/rocketstore/bench/report"
)

// cost is one function's flat and cumulative value in sample units.
type cost struct {
	name      string // full name, e.g. "github.com/x/y.(*T).M"
	flat, cum int64
}

// aggregate sums the value at idx over all samples (the total) and per
// function: flat for samples whose leaf frame is the function, cum for
// samples with the function anywhere on the stack.
func aggregate(p *profile.Profile, idx int) (total int64, costs map[string]*cost) {
	costs = make(map[string]*cost)
	get := func(name string) *cost {
		c := costs[name]
		if c == nil {
			c = &cost{name: name}
			costs[name] = c
		}
		return c
	}
	seen := make(map[string]bool) // functions already counted in this sample
	for _, s := range p.Sample {
		v := s.Value[idx]
		if v == 0 {
			// Adds nothing, and would list functions that cost nothing.
			continue
		}
		total += v
		clear(seen)
		leaf := true
		for _, loc := range s.Location {
			for _, name := range frames(loc) {
				if leaf {
					get(name).flat += v
					leaf = false
				}
				// A recursive function is on the stack several times but
				// costs the sample's value only once.
				if !seen[name] {
					seen[name] = true
					get(name).cum += v
				}
			}
		}
	}
	return total, costs
}

// frames returns the function names of a location, leaf first: a location
// with inlined calls has one line per function, the inlined callee first.
func frames(loc *profile.Location) []string {
	var names []string
	for _, l := range loc.Line {
		if l.Function != nil && l.Function.Name != "" {
			names = append(names, l.Function.Name)
		}
	}
	if len(names) == 0 {
		// An unsymbolised frame still costs something; name it by address.
		names = append(names, fmt.Sprintf("0x%x", loc.Address))
	}
	return names
}

// top sorts costs by flat, then cum, then name, and returns the first n
// (all when n <= 0) as fractions of total.
func top(costs map[string]*cost, total int64, n int) []report.FuncCost {
	list := make([]*cost, 0, len(costs))
	for _, c := range costs {
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b *cost) int {
		return cmp.Or(
			cmp.Compare(b.flat, a.flat),
			cmp.Compare(b.cum, a.cum),
			cmp.Compare(shortName(a.name), shortName(b.name)),
			cmp.Compare(a.name, b.name),
		)
	})
	if n > 0 && len(list) > n {
		list = list[:n]
	}
	out := make([]report.FuncCost, len(list))
	for i, c := range list {
		out[i] = report.FuncCost{
			Func: shortName(c.name),
			Flat: fraction(c.flat, total),
			Cum:  fraction(c.cum, total),
		}
	}
	return out
}

// fraction is part/total, 0 for an empty total (JSON has no NaN).
func fraction(part, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(part) / float64(total)
}
