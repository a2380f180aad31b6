package configs

import "github.com/argus-edge/argus/configs/strict"

// Problem is one thing wrong in a config, located by file, line and field.
// It is strict.Problem, shared with every document Argus reads.
type Problem = strict.Problem

// Error is every problem found in one config; Parse, Load and Validate
// return it so that a user fixes them all in one pass.
type Error = strict.Error

// indexPath is the path of the i-th item of a list.
func indexPath(parent string, i int) string { return strict.Index(parent, i) }
