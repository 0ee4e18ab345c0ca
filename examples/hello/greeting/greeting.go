// Package greeting builds the service's replies.
package greeting

import "fmt"

// For returns the greeting for name, or a general one when name is empty.
func For(name string) string {
	if name == "" {
		name = "world"
	}
	return fmt.Sprintf("hello, %s", name)
}
