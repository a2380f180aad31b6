package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Parse reads one line of the JSON log into its fields. It refuses a line
// that names a field twice, at any depth: zerolog appends whatever context
// it is given, so a key added both by a caller and by a library it calls
// is written twice, and a JSON reader silently keeps only one of the two.
// Tests that read logs use it.
func Parse(line []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := noDuplicates(dec); err != nil {
		return nil, fmt.Errorf("log line %q: %w", line, err)
	}
	var ev map[string]any
	if err := json.Unmarshal(line, &ev); err != nil {
		return nil, fmt.Errorf("log line %q: %w", line, err)
	}
	return ev, nil
}

// noDuplicates walks one JSON value and fails on an object naming a key
// twice.
func noDuplicates(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			k := key.(string) // an object's member names are strings
			if seen[k] {
				return fmt.Errorf("key %q appears twice", k)
			}
			seen[k] = true
			if err := noDuplicates(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
		return err
	case json.Delim('['):
		for dec.More() {
			if err := noDuplicates(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return err
	}
	return nil
}
