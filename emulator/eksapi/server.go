package eksapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/eksemu/eksemu/authn"
	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/sigv4"
	"github.com/eksemu/eksemu/store"
)

// Lifecycle is told about clusters that appear and disappear, so that the
// Kubernetes side can start and stop their API servers.
type Lifecycle interface {
	ClusterCreated(ctx context.Context, c store.Cluster)
	ClusterDeleted(ctx context.Context, c store.Cluster)
}

// Deps are what the EKS surface needs.
type Deps struct {
	DB     *store.DB
	Auth   *authn.AWS
	IDs    *awsid.Generator
	Logger *slog.Logger
	// UpdateDelay is how long cluster updates stay InProgress.
	UpdateDelay time.Duration
	Lifecycle   Lifecycle
}

// call is one authenticated, validated request.
type call struct {
	caller store.Caller
	region string
	vars   map[string]string // unescaped path labels
	query  url.Values
	body   []byte
	input  map[string]any // body + labels + query, as validated
}

func (c *call) key() store.ClusterKey {
	return store.ClusterKey{Account: c.caller.Account, Region: c.region, Name: c.vars["name"]}
}

// decode unmarshals the validated input into v.
func (c *call) decode(v any) error {
	b, err := json.Marshal(c.input)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

type handler func(ctx context.Context, c *call) (any, error)

// Server serves the EKS API.
type Server struct {
	deps   Deps
	model  *model
	router *mux.Router
}

// New returns the EKS surface.
func New(d Deps) (*Server, error) {
	m, err := loadModel()
	if err != nil {
		return nil, err
	}
	s := &Server{deps: d, model: m}
	s.routes()
	return s, nil
}

// routes lists every operation (G4).
func (s *Server) routes() {
	r := mux.NewRouter().SkipClean(true).UseEncodedPath()
	op := func(method, path, name string, h handler) {
		r.Methods(method).Path(path).Handler(s.adapt(name, h))
	}
	op("POST", "/clusters", "CreateCluster", s.createCluster)
	op("GET", "/clusters", "ListClusters", s.listClusters)
	op("GET", "/clusters/{name}", "DescribeCluster", s.describeCluster)
	op("DELETE", "/clusters/{name}", "DeleteCluster", s.deleteCluster)
	op("POST", "/clusters/{name}/update-config", "UpdateClusterConfig", s.updateClusterConfig)
	op("GET", "/clusters/{name}/updates", "ListUpdates", s.listUpdates)
	op("GET", "/clusters/{name}/updates/{updateId}", "DescribeUpdate", s.describeUpdate)
	op("POST", "/clusters/{name}/access-entries", "CreateAccessEntry", s.createAccessEntry)
	op("GET", "/clusters/{name}/access-entries", "ListAccessEntries", s.listAccessEntries)
	op("GET", "/clusters/{name}/access-entries/{principalArn}", "DescribeAccessEntry", s.describeAccessEntry)
	op("POST", "/clusters/{name}/access-entries/{principalArn}", "UpdateAccessEntry", s.updateAccessEntry)
	op("DELETE", "/clusters/{name}/access-entries/{principalArn}", "DeleteAccessEntry", s.deleteAccessEntry)
	op("POST", "/clusters/{name}/access-entries/{principalArn}/access-policies", "AssociateAccessPolicy", s.associateAccessPolicy)
	op("GET", "/clusters/{name}/access-entries/{principalArn}/access-policies", "ListAssociatedAccessPolicies", s.listAssociatedAccessPolicies)
	op("DELETE", "/clusters/{name}/access-entries/{principalArn}/access-policies/{policyArn}", "DisassociateAccessPolicy", s.disassociateAccessPolicy)
	op("GET", "/access-policies", "ListAccessPolicies", s.listAccessPolicies)
	op("POST", "/tags/{resourceArn}", "TagResource", s.tagResource)
	op("DELETE", "/tags/{resourceArn}", "UntagResource", s.untagResource)
	op("GET", "/tags/{resourceArn}", "ListTagsForResource", s.listTagsForResource)
	unknown := s.adapt("", nil)
	r.NotFoundHandler = unknown
	r.MethodNotAllowedHandler = unknown
	s.router = r
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// adapt turns an operation into an http.Handler: authenticate, decode, validate,
// run, and write the value or the error (G2). name "" is the unknown-operation handler.
func (s *Server) adapt(name string, h handler) http.Handler {
	tagging := strings.HasSuffix(name, "Resource")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := s.deps.IDs.UUID()
		w.Header().Set("x-amzn-RequestId", reqID)
		value, err := s.run(r, name, h)
		if err != nil {
			s.writeError(w, reqID, name, tagging, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(value)
	})
}

func (s *Server) run(r *http.Request, name string, h handler) (any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, &apiError{status: 400, code: "SerializationException", msg: "could not read request body"}
	}
	caller, err := s.deps.Auth.Request(r.Context(), r, body)
	if err != nil {
		return nil, err
	}
	if h == nil {
		// [unknown] EKS's answer to a path/method it does not serve.
		return nil, &apiError{status: 404, code: "UnknownOperationException", msg: "Unknown operation " + r.Method + " " + r.URL.EscapedPath()}
	}
	_, region, _ := sigv4.ScopeOf(r)
	c := &call{caller: caller, region: region, vars: map[string]string{}, query: r.URL.Query(), body: body}
	for k, v := range mux.Vars(r) {
		u, err := url.PathUnescape(v)
		if err != nil {
			return nil, &apiError{status: 400, code: "SerializationException", msg: "Invalid percent-encoding in path label " + k}
		}
		c.vars[k] = u
	}
	if err := s.bind(name, c); err != nil {
		return nil, err
	}
	return h(r.Context(), c)
}

// bind merges body, path labels and query parameters into c.input and validates it.
func (s *Server) bind(name string, c *call) error {
	c.input = map[string]any{}
	if len(bytes.TrimSpace(c.body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(c.body))
		err := dec.Decode(&c.input)
		if err == nil {
			if _, tail := dec.Token(); !errors.Is(tail, io.EOF) { // anything after the object
				err = errors.New("trailing data")
			}
		}
		if err != nil {
			return &apiError{status: 400, code: "SerializationException", msg: "Start of structure or map found where not expected."}
		}
	}
	for member, ref := range s.model.locatedMembers(name) {
		loc := ref.LocationName
		var raw []string
		if ref.Location == "uri" {
			if v, ok := c.vars[loc]; ok {
				raw = []string{v}
			}
		} else {
			raw = c.query[loc]
		}
		if len(raw) == 0 {
			continue
		}
		sh := s.model.Shapes[ref.Shape]
		switch sh.Type {
		case "list":
			items := make([]any, len(raw))
			for i, v := range raw {
				items[i] = v
			}
			c.input[member] = items
		case "integer", "long":
			n, err := strconv.ParseInt(raw[0], 10, 64)
			if err != nil {
				return &apiError{status: 400, code: "InvalidParameterException", msg: fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", raw[0], member)}
			}
			c.input[member] = float64(n)
		default:
			c.input[member] = raw[0]
		}
	}
	violations, err := s.model.validate(name, c.input)
	if err != nil {
		return &apiError{status: 400, code: "SerializationException", msg: err.Error()}
	}
	if len(violations) > 0 {
		return &apiError{status: 400, code: "InvalidParameterException", msg: overrideMessage(name, violations), cluster: c.vars["name"]}
	}
	return nil
}

func validationMessage(v []string) string {
	noun := "error"
	if len(v) > 1 {
		noun = "errors"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(v), noun, strings.Join(v, "; "))
}

// apiError is an error already in EKS terms.
type apiError struct {
	status  int
	code    string
	msg     string
	cluster string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func invalidParameter(cluster, format string, args ...any) error {
	return &apiError{status: 400, code: "InvalidParameterException", msg: fmt.Sprintf(format, args...), cluster: cluster}
}

// withClusterName lists the exceptions whose model shape has a clusterName member.
var withClusterName = map[string]bool{
	"InvalidParameterException": true, "InvalidRequestException": true, "ClientException": true,
	"ResourceLimitExceededException": true, "UnsupportedAvailabilityZoneException": true,
	"ResourceNotFoundException": true, "ResourceInUseException": true, "ThrottlingException": true, "ServerException": true,
}

// toAPIError maps every error to EKS's vocabulary (G3). Tagging operations use
// BadRequestException/NotFoundException (eks-api.md §3.17).
func toAPIError(err error, tagging bool) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		if tagging && ae.code == "InvalidParameterException" {
			// Model validation of tagging requests: the tagging ops declare BadRequestException.
			e := *ae
			e.code = "BadRequestException"
			return &e
		}
		return ae
	}
	var f *authn.Failure
	if errors.As(err, &f) {
		return fromAuth(f)
	}
	var se *store.Error
	if !errors.As(err, &se) {
		return serverError()
	}
	e := &apiError{msg: se.Message, cluster: se.Cluster}
	switch se.Kind {
	case store.KindNotFound:
		e.status, e.code = 404, "ResourceNotFoundException"
		if tagging {
			e.code = "NotFoundException"
		}
	case store.KindAlreadyExists, store.KindInUse:
		e.status, e.code = 409, "ResourceInUseException"
	case store.KindInvalidParameter, store.KindMalformedPolicy:
		e.status, e.code = 400, "InvalidParameterException"
		if tagging {
			e.code = "BadRequestException"
		}
	case store.KindInvalidRequest:
		e.status, e.code = 400, "InvalidRequestException"
	case store.KindLimitExceeded:
		e.status, e.code = 400, "ResourceLimitExceededException"
	case store.KindAccessDenied:
		e.status, e.code = 403, "AccessDeniedException"
	case store.KindExpiredToken:
		e.status, e.code = 403, "ExpiredTokenException"
	case store.KindUnknownKey:
		e.status, e.code = 403, "UnrecognizedClientException"
	default:
		return serverError()
	}
	return e
}

func serverError() *apiError {
	return &apiError{status: 500, code: "ServerException", msg: "An internal error occurred. Please try again later."}
}

// fromAuth names authentication failures as restJson AWS services do
// (UnrecognizedClientException, InvalidSignatureException, …), which is what
// EKS returns; STS and IAM use the Query-protocol names instead.
func fromAuth(f *authn.Failure) *apiError {
	switch f.Reason {
	case authn.ReasonMissing:
		return &apiError{status: 403, code: "MissingAuthenticationTokenException", msg: "Missing Authentication Token"}
	case authn.ReasonIncomplete:
		return &apiError{status: 403, code: "IncompleteSignatureException", msg: f.Message}
	case authn.ReasonUnknownKey:
		return &apiError{status: 403, code: "UnrecognizedClientException", msg: f.Message}
	case authn.ReasonExpiredToken:
		return &apiError{status: 403, code: "ExpiredTokenException", msg: f.Message}
	case authn.ReasonSignature:
		return &apiError{status: 403, code: "InvalidSignatureException", msg: f.Message}
	}
	return serverError()
}

// writeError is the one place EKS errors become bytes: X-Amzn-ErrorType plus a
// JSON body with clusterName (when the exception has it) and message.
func (s *Server) writeError(w http.ResponseWriter, reqID, op string, tagging bool, err error) {
	e := toAPIError(err, tagging)
	if e.status >= 500 {
		s.deps.Logger.Error("eks request failed", "operation", op, "request_id", reqID, "error", err)
	}
	body := struct {
		ClusterName string `json:"clusterName,omitempty"`
		Message     string `json:"message"`
	}{Message: e.msg}
	if withClusterName[e.code] {
		body.ClusterName = e.cluster
	}
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(body)
}

// epoch is a restJson1 timestamp: epoch seconds with milliseconds.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(fmt.Sprintf("%d.%03d", ms/1000, ms%1000)), nil
}

// page reads maxResults/nextToken.
func (c *call) page() store.Page {
	p := store.Page{Token: c.query.Get("nextToken")}
	if n, ok := c.input["maxResults"].(float64); ok {
		p.Limit = int(n)
	}
	return p
}
