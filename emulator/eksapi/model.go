package eksapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// model.json is the botocore EKS model trimmed to the served operations'
// inputs (regenerate with `go generate`).
//
//go:generate sh -c "go run gen_model.go ../../../shared/models/eks/2017-11-01/service-2.json > model.json"
//go:embed model.json
var modelJSON []byte

type shapeRef struct {
	Shape        string `json:"shape"`
	Location     string `json:"location"`
	LocationName string `json:"locationName"`
}

type shape struct {
	Type     string              `json:"type"`
	Required []string            `json:"required"`
	Members  map[string]shapeRef `json:"members"`
	Member   *shapeRef           `json:"member"`
	Key      *shapeRef           `json:"key"`
	Value    *shapeRef           `json:"value"`
	Min      *float64            `json:"min"`
	Max      *float64            `json:"max"`
	Pattern  string              `json:"pattern"`
	Enum     []string            `json:"enum"`

	re *regexp.Regexp
}

type model struct {
	Operations map[string]struct {
		Input string `json:"input"`
	} `json:"operations"`
	Shapes map[string]*shape `json:"shapes"`
}

func loadModel() (*model, error) {
	var m model
	if err := json.Unmarshal(modelJSON, &m); err != nil {
		return nil, fmt.Errorf("eksapi: model: %w", err)
	}
	for name, s := range m.Shapes {
		if s.Pattern != "" {
			re, err := regexp.Compile(`^(?:` + s.Pattern + `)$`) // Java matches(): whole string
			if err != nil {
				return nil, fmt.Errorf("eksapi: model: pattern of %s: %w", name, err)
			}
			s.re = re
		}
	}
	return &m, nil
}

// serializationError is a request whose JSON does not fit the model's types.
type serializationError struct{ msg string }

func (e *serializationError) Error() string { return e.msg }

// validate checks an operation's input (the JSON body merged with URI and query
// members, all as decoded JSON values) against the model, the way Coral services
// do: type mismatches are a SerializationException; constraint violations are
// collected into "N validation error(s) detected: …".
func (m *model) validate(op string, input map[string]any) (violations []string, err error) {
	v := validator{m: m}
	v.check(m.Operations[op].Input, input, "")
	return v.violations, v.err
}

type validator struct {
	m          *model
	violations []string
	err        error
}

func (v *validator) violate(value any, path, constraint string) {
	shown := "null"
	if value != nil {
		shown = "'" + display(value) + "'"
	}
	v.violations = append(v.violations, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, path, constraint))
}

func display(value any) string {
	switch t := value.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	b, _ := json.Marshal(value)
	return string(b)
}

func join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

func (v *validator) typeErr(path, want string) {
	if v.err == nil {
		v.err = &serializationError{msg: fmt.Sprintf("Unexpected value type for '%s': expected %s", path, want)}
	}
}

func (v *validator) check(shapeName string, value any, path string) {
	s := v.m.Shapes[shapeName]
	if s == nil || value == nil {
		return
	}
	switch s.Type {
	case "structure":
		obj, ok := value.(map[string]any)
		if !ok {
			v.typeErr(path, "a structure")
			return
		}
		names := make([]string, 0, len(s.Members))
		for n := range s.Members {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			mv, present := obj[n]
			if !present || mv == nil {
				if slices.Contains(s.Required, n) {
					v.violate(nil, join(path, n), "Member must not be null")
				}
				continue
			}
			v.check(s.Members[n].Shape, mv, join(path, n))
		}
	case "string":
		str, ok := value.(string)
		if !ok {
			v.typeErr(path, "a string")
			return
		}
		v.length(s, value, float64(len([]rune(str))), path)
		if s.re != nil && !s.re.MatchString(str) {
			v.violate(value, path, "Member must satisfy regular expression pattern: "+s.Pattern)
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			v.violate(value, path, "Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
		}
	case "integer", "long":
		n, ok := value.(float64)
		if !ok || n != math.Trunc(n) {
			v.typeErr(path, "an integer")
			return
		}
		if s.Min != nil && n < *s.Min {
			v.violate(value, path, fmt.Sprintf("Member must have value greater than or equal to %g", *s.Min))
		}
		if s.Max != nil && n > *s.Max {
			v.violate(value, path, fmt.Sprintf("Member must have value less than or equal to %g", *s.Max))
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			v.typeErr(path, "a boolean")
		}
	case "list":
		items, ok := value.([]any)
		if !ok {
			v.typeErr(path, "a list")
			return
		}
		v.length(s, value, float64(len(items)), path)
		for _, it := range items {
			if it == nil {
				v.violate(value, path, "Member must not be null")
				continue
			}
			v.check(s.Member.Shape, it, join(path, "member"))
		}
	case "map":
		obj, ok := value.(map[string]any)
		if !ok {
			v.typeErr(path, "a map")
			return
		}
		v.length(s, value, float64(len(obj)), path)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v.check(s.Key.Shape, k, join(path, "key"))
			if obj[k] == nil {
				v.violate(value, path, "Map value must not be null")
				continue
			}
			v.check(s.Value.Shape, obj[k], join(path, "value"))
		}
	}
}

func (v *validator) length(s *shape, value any, n float64, path string) {
	if s.Min != nil && n < *s.Min {
		v.violate(value, path, fmt.Sprintf("Member must have length greater than or equal to %g", *s.Min))
	}
	if s.Max != nil && n > *s.Max {
		v.violate(value, path, fmt.Sprintf("Member must have length less than or equal to %g", *s.Max))
	}
}

// locatedMembers returns the input members bound to the URI or the query string.
func (m *model) locatedMembers(op string) map[string]shapeRef {
	out := map[string]shapeRef{}
	for name, ref := range m.Shapes[m.Operations[op].Input].Members {
		if ref.Location == "uri" || ref.Location == "querystring" {
			out[name] = ref
		}
	}
	return out
}
