package sdk

import "testing"

func TestIPModeValid(t *testing.T) {
	for _, tc := range []struct {
		mode IPMode
		want bool
	}{
		{IPTruncate, true},
		{IPHash, true},
		{IPOff, true},
		{"", false}, // New fills in the default first
		{"full", false},
		{"Hash", false},
	} {
		if got := tc.mode.Valid(); got != tc.want {
			t.Errorf("IPMode(%q).Valid() = %v, want %v", tc.mode, got, tc.want)
		}
	}
}
