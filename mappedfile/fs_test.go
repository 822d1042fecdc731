package mappedfile

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteFileAtomicOnBothBackings(t *testing.T) {
	for name, fsys := range map[string]FS{"mem": NewMemFS(), "os": OSFS} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "topics.json")
			for _, data := range []string{"first", "second, longer than the first", "3"} {
				if err := WriteFileAtomic(fsys, path, []byte(data)); err != nil {
					t.Fatal(err)
				}
				got, err := fsys.ReadFile(path)
				if err != nil || string(got) != data {
					t.Fatalf("ReadFile = %q, %v; want %q", got, err, data)
				}
			}
			if names, _ := fsys.ReadDir(dir); !slices.Equal(names, []string{"topics.json"}) {
				t.Fatalf("the directory holds %v, want only the file", names)
			}
		})
	}
}

func TestQueueOptionsValidateReportsEveryProblem(t *testing.T) {
	o := QueueOptions{FileSize: -1, PrewarmFlushPages: -2, Sparse: true, Mlock: true}
	err := o.Validate()
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Validate = %v, want ErrInvalidOptions", err)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Fatalf("Validate found %d problems, want 3 (size, flush pages, mlock): %v", n, err)
	}
	o = QueueOptions{FileSize: 4096, Sparse: true, Prewarm: true}
	if err := o.Validate(); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("sparse and prewarmed: %v", err)
	}
	if _, err := OpenQueue(t.TempDir(), QueueOptions{}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("OpenQueue without a file size: %v", err)
	}
	o = QueueOptions{FileSize: 4096, Prewarm: true, Mlock: true, PrewarmFlushPages: 16}
	if err := o.Validate(); err != nil {
		t.Fatalf("valid options: %v", err)
	}
}
