package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// JSON templates.
//
// The CLI's JSON output is compared with a template: a JSON document that must
// match it exactly (same keys, same array lengths, same values), except that
// a string of the form "<kind>", "<kind@name>" or "<kind@name:arg>" (or
// "<kind:arg>") is a placeholder that accepts any value of that kind:
//
//	ts   an EKS timestamp as this CLI prints it (v1: epoch seconds, v2: ISO 8601)
//	qts  an IAM/STS timestamp as this CLI prints it (v1: ...Z, v2: ...+00:00)
//	uuid a lowercase 8-4-4-4-12 hex identifier
//	re   a string matching the regular expression arg
//
// With @name the value is remembered under name; a later placeholder with the
// same name must see the same value. A key ending in "?" may be absent.
// Before parsing, ${name} is replaced by the remembered string value name.

// vars are the values placeholders captured, as text.
type vars map[string]string

var varRef = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

var kindPatterns = map[string]map[int]*regexp.Regexp{
	"ts": {
		1: regexp.MustCompile(`^[0-9]{10}(\.[0-9]{1,3})?$`),
		2: regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3}000)?\+00:00$`),
	},
	"qts": {
		1: regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`),
		2: regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00$`),
	},
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// expand replaces ${name} references in a template.
func (v vars) expand(template string) (string, error) {
	var missing []string
	out := varRef.ReplaceAllStringFunc(template, func(ref string) string {
		name := varRef.FindStringSubmatch(ref)[1]
		s, ok := v[name]
		if !ok {
			missing = append(missing, name)
			return ref
		}
		b, _ := json.Marshal(s)
		return string(b[1 : len(b)-1])
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("template refers to unset variables %v", missing)
	}
	return out, nil
}

func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// matcher compares one output with one template.
type matcher struct {
	major    int
	vars     vars
	captured vars // captured during this match, committed only when it succeeds
	problems []string
}

// matchJSON compares got (the CLI's stdout) with template for a CLI of the
// given major version, recording captures in v. It returns the differences.
func matchJSON(major int, v vars, template, got string) []string {
	expanded, err := v.expand(template)
	if err != nil {
		return []string{err.Error()}
	}
	want, err := decodeJSON(expanded)
	if err != nil {
		return []string{fmt.Sprintf("bad template: %v\n%s", err, expanded)}
	}
	have, err := decodeJSON(got)
	if err != nil {
		return []string{fmt.Sprintf("output is not JSON: %v", err)}
	}
	m := &matcher{major: major, vars: v, captured: vars{}}
	m.match("$", want, have)
	if len(m.problems) == 0 {
		for k, x := range m.captured {
			v[k] = x
		}
	}
	return m.problems
}

func (m *matcher) fail(path, format string, args ...any) {
	m.problems = append(m.problems, path+": "+fmt.Sprintf(format, args...))
}

func (m *matcher) match(path string, want, got any) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			m.fail(path, "want an object, got %s", show(got))
			return
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		known := map[string]bool{}
		for _, k := range keys {
			name, optional := strings.CutSuffix(k, "?")
			known[name] = true
			gv, present := g[name]
			if !present {
				if !optional {
					m.fail(path+"."+name, "missing")
				}
				continue
			}
			m.match(path+"."+name, w[k], gv)
		}
		for k := range g {
			if !known[k] {
				m.fail(path+"."+k, "unexpected member %s", show(g[k]))
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			m.fail(path, "want an array, got %s", show(got))
			return
		}
		if len(g) != len(w) {
			m.fail(path, "want %d elements, got %d: %s", len(w), len(g), show(got))
			return
		}
		for i := range w {
			m.match(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])
		}
	case string:
		if kind, name, arg, ok := placeholder(w); ok {
			m.placeholder(path, kind, name, arg, got)
			return
		}
		if g, ok := got.(string); !ok || g != w {
			m.fail(path, "want %s, got %s", show(w), show(got))
		}
	default:
		if !equalJSON(want, got) {
			m.fail(path, "want %s, got %s", show(want), show(got))
		}
	}
}

// placeholder splits "<kind@name:arg>".
func placeholder(s string) (kind, name, arg string, ok bool) {
	inner, ok := strings.CutPrefix(s, "<")
	if !ok {
		return "", "", "", false
	}
	inner, ok = strings.CutSuffix(inner, ">")
	if !ok {
		return "", "", "", false
	}
	head, arg, _ := strings.Cut(inner, ":")
	kind, name, _ = strings.Cut(head, "@")
	switch kind {
	case "ts", "qts", "uuid", "re":
		return kind, name, arg, true
	}
	return "", "", "", false
}

func (m *matcher) placeholder(path, kind, name, arg string, got any) {
	var text string
	switch g := got.(type) {
	case string:
		text = g
	case json.Number:
		text = g.String()
	default:
		m.fail(path, "want <%s>, got %s", kind, show(got))
		return
	}
	if kind == "ts" && m.major == 1 {
		if _, isNum := got.(json.Number); !isNum {
			m.fail(path, "want an epoch-seconds number, got %s", show(got))
			return
		}
	} else if _, isNum := got.(json.Number); isNum {
		m.fail(path, "want a string <%s>, got the number %s", kind, text)
		return
	}
	var re *regexp.Regexp
	switch kind {
	case "ts", "qts":
		re = kindPatterns[kind][m.major]
	case "uuid":
		re = uuidPattern
	case "re":
		var err error
		if re, err = regexp.Compile(arg); err != nil {
			m.fail(path, "bad pattern %q in template: %v", arg, err)
			return
		}
	}
	if !re.MatchString(text) {
		m.fail(path, "want <%s> matching %s, got %s", kind, re, show(got))
		return
	}
	if name == "" {
		return
	}
	prev, seen := m.vars[name]
	if !seen {
		prev, seen = m.captured[name]
	}
	if seen {
		if prev != text {
			m.fail(path, "want the value of %s (%s), got %s", name, show(prev), show(got))
		}
		return
	}
	m.captured[name] = text
}

func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func show(v any) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// parseTime reads an EKS timestamp as a CLI of the given major version prints it.
func parseTime(major int, s string) (time.Time, error) {
	if major == 1 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, err
		}
		return time.UnixMilli(int64(f*1000 + 0.5)), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
