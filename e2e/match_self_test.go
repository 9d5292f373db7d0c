package e2e

import (
	"strings"
	"testing"
)

// TestMatchJSON checks the template matcher itself, so that a lenient matcher
// cannot let the CLI scenarios pass.
func TestMatchJSON(t *testing.T) {
	cases := []struct {
		name     string
		major    int
		vars     vars
		template string
		got      string
		problems []string // substrings, one per expected problem; none = match
	}{
		{name: "equal", major: 1, template: `{"a": [1, "x", true, null, {}]}`, got: `{"a": [1, "x", true, null, {}]}`},
		{name: "number differs", major: 1, template: `{"a": 1}`, got: `{"a": 2}`, problems: []string{"$.a: want 1, got 2"}},
		{name: "string vs number", major: 1, template: `{"a": "1"}`, got: `{"a": 1}`, problems: []string{`$.a: want "1", got 1`}},
		{name: "missing member", major: 1, template: `{"a": 1, "b": 2}`, got: `{"a": 1}`, problems: []string{"$.b: missing"}},
		{name: "unexpected member", major: 1, template: `{"a": 1}`, got: `{"a": 1, "c": []}`, problems: []string{"$.c: unexpected member []"}},
		{name: "optional member absent", major: 1, template: `{"a": 1, "b?": "<uuid>"}`, got: `{"a": 1}`},
		{name: "optional member checked", major: 1, template: `{"b?": "<uuid>"}`, got: `{"b": "nope"}`, problems: []string{"$.b: want <uuid>"}},
		{name: "array length", major: 1, template: `[1, 2]`, got: `[1]`, problems: []string{"want 2 elements, got 1"}},
		{name: "empty object is not empty array", major: 1, template: `{"t": {}}`, got: `{"t": []}`, problems: []string{"want an object"}},
		{name: "v1 timestamp", major: 1, template: `["<ts>", "<ts>"]`, got: `[1795555244.235, 1795555244.0]`},
		{name: "v1 timestamp as string", major: 1, template: `["<ts>"]`, got: `["2026-11-24T21:20:44.645000+00:00"]`, problems: []string{"epoch-seconds number"}},
		{name: "v2 timestamp", major: 2, template: `["<ts>", "<ts>"]`, got: `["2026-11-24T21:20:44.645000+00:00", "2026-11-24T21:20:44+00:00"]`},
		{name: "v2 timestamp as number", major: 2, template: `["<ts>"]`, got: `[1795555244.235]`, problems: []string{"want a string <ts>"}},
		{name: "query timestamps", major: 1, template: `["<qts>"]`, got: `["2026-11-24T21:20:26Z"]`},
		{name: "query timestamps v2", major: 2, template: `["<qts>"]`, got: `["2026-11-24T21:20:26Z"]`, problems: []string{"want <qts>"}},
		{name: "regex", major: 1, template: `"<re:^a:b$>"`, got: `"a:b"`},
		{name: "regex mismatch", major: 1, template: `"<re:^a:b$>"`, got: `"a:c"`, problems: []string{"want <re>"}},
		{name: "capture then compare", major: 1, template: `["<uuid@u>", "<uuid@u>"]`,
			got: `["0e34842b-cc63-3a0f-9916-344273c73c9a", "f710c23d-8ae9-4972-818a-76780287b18d"]`, problems: []string{"want the value of u"}},
		{name: "compare with earlier capture", major: 1, vars: vars{"u": "0e34842b-cc63-3a0f-9916-344273c73c9a"},
			template: `["<uuid@u>"]`, got: `["f710c23d-8ae9-4972-818a-76780287b18d"]`, problems: []string{"want the value of u"}},
		{name: "substitution", major: 1, vars: vars{"id": `a"b`}, template: `{"x": "${id}:s"}`, got: `{"x": "a\"b:s"}`},
		{name: "unset variable", major: 1, template: `{"x": "${nope}"}`, got: `{"x": ""}`, problems: []string{"unset variables [nope]"}},
		{name: "not JSON", major: 1, template: `{}`, got: `An error occurred`, problems: []string{"output is not JSON"}},
		{name: "trailing data", major: 1, template: `{}`, got: `{} {}`, problems: []string{"output is not JSON"}},
		{name: "literal angle brackets", major: 1, template: `"<b>"`, got: `"<b>"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := c.vars
			if v == nil {
				v = vars{}
			}
			got := matchJSON(c.major, v, c.template, c.got)
			if len(got) != len(c.problems) {
				t.Fatalf("problems = %q, want %d matching %q", got, len(c.problems), c.problems)
			}
			for i, want := range c.problems {
				if !strings.Contains(got[i], want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], want)
				}
			}
		})
	}

	t.Run("captures only on success", func(t *testing.T) {
		v := vars{}
		if p := matchJSON(1, v, `{"a": "<uuid@a>", "b": 1}`, `{"a": "0e34842b-cc63-3a0f-9916-344273c73c9a", "b": 2}`); len(p) != 1 {
			t.Fatalf("problems = %q", p)
		}
		if _, ok := v["a"]; ok {
			t.Fatal("a failed match captured a value")
		}
		if p := matchJSON(1, v, `{"a": "<uuid@a>"}`, `{"a": "0e34842b-cc63-3a0f-9916-344273c73c9a"}`); len(p) != 0 {
			t.Fatalf("problems = %q", p)
		}
		if v["a"] != "0e34842b-cc63-3a0f-9916-344273c73c9a" {
			t.Fatalf("captured %q", v["a"])
		}
	})
}
