package greeting

import "testing"

func TestFor(t *testing.T) {
	for name, want := range map[string]string{"": "hello, world", "gopher": "hello, gopher"} {
		if got := For(name); got != want {
			t.Errorf("For(%q) = %q, want %q", name, got, want)
		}
	}
}
