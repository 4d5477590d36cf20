package client

import "github.com/spindle-yarn/spindle/internal/portrange"

// resolveAMPort checks the form of the AM API's port or port range
// (spindle.am.port), before anything is submitted.
func (r *resolver) resolveAMPort(o *Options) {
	v := r.get(KeyAMPort)
	rg, err := portrange.Parse(v)
	if err != nil {
		r.bad("conf", KeyAMPort, "%v", err)
		return
	}
	if !rg.IsAny() {
		o.AMPort = rg.String()
	}
}
