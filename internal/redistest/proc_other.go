//go:build !linux

package redistest

import "os/exec"

// setProcAttr does nothing where Pdeathsig is not available; Stop and the
// test cleanups still end the server in the normal case.
func setProcAttr(*exec.Cmd) {}
