// Package rulescontract holds the test that the edge accepts what the
// gateway publishes as rule sets. It may import both sides (edge/ and
// gateway/ never import each other) and has no code of its own.
package rulescontract
