package strict

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.Node tree into Go structs by their yaml
// tags. It exists, instead of yaml.Node.Decode, so that every problem
// carries the line and the field path, unknown keys are refused and one
// pass reports all problems rather than the first.
type decoder struct {
	ps *Problems
	// budget bounds the nodes visited, because aliases and merge keys can
	// make a small document expand exponentially.
	budget int
	// depth bounds alias and merge nesting, which YAML lets refer to itself.
	depth int
}

const maxDepth = 64

var durationType = reflect.TypeFor[Duration]()

// fail records a problem for a value that could not be decoded.
func (d *decoder) fail(n *yaml.Node, path, msg string) {
	d.ps.fail(n.Line, path, msg)
}

// spend takes one node from the budget and reports false, once, when the
// document expands beyond it.
func (d *decoder) spend(n *yaml.Node) bool {
	d.budget--
	if d.budget == 0 {
		d.ps.record(n.Line, "", "the document expands too much through aliases")
	}
	return d.budget > 0
}

// resolve follows aliases to the node they name.
func (d *decoder) resolve(n *yaml.Node, path string) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == maxDepth {
			d.fail(n, path, "alias refers to itself")
			return nil
		}
		n = n.Alias
	}
	return n
}

// value decodes node n into v, the field at path.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if _, ok := d.ps.lines[path]; !ok {
		d.ps.lines[path] = n.Line
	}
	if n = d.resolve(n, path); n == nil || !d.spend(n) {
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // null means "not written": the default applies.
	}
	d.ps.written[path] = true
	if v.Type() == durationType {
		d.duration(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.depth++
		defer func() { d.depth-- }()
		if d.depth > maxDepth {
			d.fail(n, path, "nested too deeply")
			return
		}
		d.mapping(n, v, path)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.value(n, p.Elem(), path)
		v.Set(p)
	case reflect.Slice, reflect.Array:
		d.sequence(n, v, path)
	case reflect.Map:
		d.depth++
		defer func() { d.depth-- }()
		if d.depth > maxDepth {
			d.fail(n, path, "nested too deeply")
			return
		}
		d.mapping(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

// sequence decodes a YAML list into a slice.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "expected a list, found "+kindName(n))
		return
	}
	if v.Kind() == reflect.Array {
		// Fixed-size lists are points and the like: a wrong count is a
		// mistake, not something to pad or cut.
		if len(n.Content) != v.Len() {
			d.fail(n, path, fmt.Sprintf("expected a list of %d, found %d items", v.Len(), len(n.Content)))
			return
		}
		for i, item := range n.Content {
			d.value(item, v.Index(i), Index(path, i))
		}
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, s.Index(i), Index(path, i))
	}
	v.Set(s)
}

// mapping decodes a YAML mapping into a struct or a map with string keys.
// Merge keys ("<<: *base") are applied first so that the keys written
// beside them win, as in YAML.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, found "+kindName(n))
		return
	}
	if v.Kind() == reflect.Map {
		d.mapOf(n, v, path)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			d.merge(n.Content[i+1], v, path)
		}
	}
	fields := fieldIndex(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			continue
		}
		if !d.spend(k) {
			return // merged mappings are walked again each time: count keys too
		}
		if k.Kind != yaml.ScalarNode {
			d.ps.record(k.Line, path, "keys must be plain names, found "+kindName(k))
			continue
		}
		field := Child(path, k.Value)
		idx, known := fields[k.Value]
		switch {
		case seen[k.Value]:
			d.ps.record(k.Line, field, "duplicate field")
		case !known:
			d.ps.record(k.Line, field, unknownField(k.Value, fields))
		default:
			seen[k.Value] = true
			d.ps.lines[field] = k.Line
			d.value(val, v.Field(idx), field)
		}
	}
}

// mapOf decodes a YAML mapping into a map with string keys, whose keys
// are data (camera ids, detector names) rather than field names.
func (d *decoder) mapOf(n *yaml.Node, v reflect.Value, path string) {
	if v.Type().Key().Kind() != reflect.String {
		d.fail(n, path, "a map keyed by "+v.Type().Key().String()+" (unsupported by the strict decoder)")
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			d.merge(n.Content[i+1], v, path)
		}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			continue
		}
		if !d.spend(k) {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.ps.record(k.Line, path, "keys must be plain names, found "+kindName(k))
			continue
		}
		field := Child(path, k.Value)
		if seen[k.Value] {
			d.ps.record(k.Line, field, "duplicate key")
			continue
		}
		seen[k.Value] = true
		d.ps.lines[field] = k.Line
		// A key with a null value is present with the zero value: "fire:"
		// turns the fire detector on with its defaults.
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(val, elem, field)
		v.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	}
}

// merge applies the mapping, or list of mappings, named by a merge key.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string) {
	d.depth++
	defer func() { d.depth-- }()
	if n = d.resolve(n, path); n == nil || !d.spend(n) {
		return
	}
	if d.depth > maxDepth {
		d.fail(n, path, "merge key nested too deeply")
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		d.mapping(n, v, path)
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if item = d.resolve(item, path); item != nil {
				d.mapping(item, v, path)
			}
		}
	default:
		d.fail(n, path, "merge key (<<) needs a mapping, found "+kindName(n))
	}
}

// scalar decodes a string, integer, number or boolean.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "expected a single value, found "+kindName(n))
		return
	}
	var err error
	var want string
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
		return
	case reflect.Int:
		var i int
		err, want = n.Decode(&i), "an integer"
		v.SetInt(int64(i))
	case reflect.Float64:
		var f float64
		err, want = n.Decode(&f), "a number"
		v.SetFloat(f)
	case reflect.Bool:
		var b bool
		err, want = n.Decode(&b), "true or false"
		v.SetBool(b)
	default:
		// Only reachable if a field of an unsupported type is added to the
		// decoded structs: say so rather than ignore the value.
		err, want = fmt.Errorf("unsupported"), "a "+v.Type().String()+" (unsupported by the strict decoder)"
	}
	if err != nil {
		d.fail(n, path, fmt.Sprintf("%q is not %s", n.Value, want))
	}
}

// duration decodes a Go duration string such as "500ms" or "5s".
func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "expected a duration like 500ms or 5s, found "+kindName(n))
		return
	}
	dur, err := ParseDuration(n.Value)
	if err != nil {
		d.fail(n, path, err.Error())
		return
	}
	v.Set(reflect.ValueOf(dur))
}

// isMerge reports whether a mapping key is the YAML merge key "<<".
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	default:
		return "a document"
	}
}

// fieldIndex maps yaml key names to struct field indexes.
func fieldIndex(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = i
	}
	return m
}

// unknownField says a key is unknown and suggests the nearest known key,
// since most unknown keys are typos (pasword_env).
func unknownField(key string, fields map[string]int) string {
	best, bestDist := "", math.MaxInt
	for name := range fields {
		if dist := editDistance(key, name); dist < bestDist || dist == bestDist && name < best {
			best, bestDist = name, dist
		}
	}
	if best != "" && bestDist <= 2 && bestDist < len(key) {
		return "unknown field (did you mean " + best + "?)"
	}
	return "unknown field"
}

// editDistance is the Levenshtein distance between two short keys.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt // not a typo of a key; spare the quadratic work
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
