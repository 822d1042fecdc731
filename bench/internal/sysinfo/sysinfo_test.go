package sysinfo

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestParseCPUModel(t *testing.T) {
	const x86 = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 85
model name	: Intel(R) Xeon(R)   Platinum 8259CL CPU @ 2.50GHz
stepping	: 7

processor	: 1
model name	: Other
`
	if got, want := parseCPUModel(x86), "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz"; got != want {
		t.Errorf("parseCPUModel = %q, want %q", got, want)
	}
	const arm = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n"
	if got := parseCPUModel(arm); got != "unknown" {
		t.Errorf("parseCPUModel(arm) = %q, want unknown", got)
	}
	if got := parseCPUModel(""); got != "unknown" {
		t.Errorf("parseCPUModel(\"\") = %q, want unknown", got)
	}
}

func TestParseMemTotal(t *testing.T) {
	const meminfo = `MemTotal:       16314768 kB
MemFree:         1234567 kB
MemAvailable:    9876543 kB
`
	if got, want := parseMemTotal(meminfo), uint64(16314768*1024); got != want {
		t.Errorf("parseMemTotal = %d, want %d", got, want)
	}
	for _, bad := range []string{"", "MemFree: 1 kB\n", "MemTotal:\n", "MemTotal: lots kB\n"} {
		if got := parseMemTotal(bad); got != 0 {
			t.Errorf("parseMemTotal(%q) = %d, want 0", bad, got)
		}
	}
}

func TestDescribe(t *testing.T) {
	dir := t.TempDir()
	m := Describe(dir)
	if m.OS != runtime.GOOS || m.Arch != runtime.GOARCH || m.GoVersion != runtime.Version() {
		t.Errorf("runtime fields wrong: %+v", m)
	}
	if m.Cores < 1 {
		t.Errorf("Cores = %d", m.Cores)
	}
	if m.CPU == "" || m.Kernel == "" || m.FileSystem == "" {
		t.Errorf("empty field: %+v", m)
	}
	if !filepath.IsAbs(m.Dir) {
		t.Errorf("Dir %q is not absolute", m.Dir)
	}
	if runtime.GOOS == "linux" {
		if m.MemBytes == 0 {
			t.Errorf("MemBytes = 0")
		}
		if m.Kernel == "unknown" || m.FileSystem == "unknown" {
			t.Errorf("Kernel or FileSystem unknown on Linux: %+v", m)
		}
	}
	t.Logf("%+v", m)
}

func TestDescribeRelative(t *testing.T) {
	if m := Describe("."); !filepath.IsAbs(m.Dir) {
		t.Errorf("Dir %q is not absolute", m.Dir)
	}
}
