package acl

import "testing"

func TestParsePerm(t *testing.T) {
	cases := []struct {
		in      string
		want    Perm
		wantErr bool
	}{
		{"PUB", PermPub, false},
		{"SUB", PermSub, false},
		{"PUB|SUB", PermPub | PermSub, false},
		{" SUB|PUB ", PermPub | PermSub, false},
		{"DENY", PermDeny, false},
		{"", 0, true},
		{"pub", 0, true},
		{"PUB,SUB", 0, true},
	}
	for _, tc := range cases {
		got, err := ParsePerm(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParsePerm(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestPermAllows is RocketMQ's Permission.checkPermission table.
func TestPermAllows(t *testing.T) {
	cases := []struct {
		owned, needed Perm
		want          bool
	}{
		{PermPub, PermPub, true},
		{PermPub, PermSub, false},
		{PermSub, PermSub, true},
		{PermSub, PermPub, false},
		{PermPub | PermSub, PermPub, true},
		{PermPub | PermSub, PermSub, true},
		{PermDeny, PermPub, false},
		{PermDeny | PermPub, PermPub, false}, // DENY wins
		{PermPub, PermAny, true},
		{PermSub, PermAny, true},
		{PermDeny, PermAny, false},
		{0, PermPub, false},
	}
	for _, tc := range cases {
		if got := tc.owned.Allows(tc.needed); got != tc.want {
			t.Errorf("%v.Allows(%v) = %v, want %v", tc.owned, tc.needed, got, tc.want)
		}
	}
}
