package awsquery

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/eksemu/eksemu/authn"
	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/store"
)

// Action handles one Action. It returns the Result element's content (nil for none).
type Action func(ctx context.Context, caller store.Caller, params url.Values) (any, error)

// Service is one Query-protocol service.
type Service struct {
	Name      string // for logs: "sts", "iam"
	Namespace string
	Version   string
	Actions   map[string]Action
	// MapError turns a store error into this service's code.
	MapError func(*store.Error) *Error
	Auth     *authn.AWS
	IDs      *awsid.Generator
	Logger   *slog.Logger
}

// ServeHTTP reads the request, authenticates it, dispatches on Action and
// writes the result or the error.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := s.IDs.UUID()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		WriteError(w, r, s.Namespace, reqID, Sender(400, "InvalidRequest", "could not read request body"))
		return
	}
	params, err := Params(r, body)
	if err != nil {
		s.fail(w, r, reqID, "", err)
		return
	}
	action := params.Get("Action")
	caller, err := s.Auth.Request(r.Context(), r, body)
	if err != nil {
		s.fail(w, r, reqID, action, FromAuth(err))
		return
	}
	h, ok := s.Actions[action]
	if !ok || params.Get("Version") != "" && params.Get("Version") != s.Version {
		s.fail(w, r, reqID, action, Sender(400, "InvalidAction", "Could not find operation "+action+" for version "+params.Get("Version")))
		return
	}
	result, err := h(r.Context(), caller, params)
	if err != nil {
		s.fail(w, r, reqID, action, err)
		return
	}
	WriteResult(w, r, action, s.Namespace, reqID, result)
}

// fail maps err (one place, G3) and writes it; server faults are logged with their cause.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, reqID, action string, err error) {
	var qe *Error
	var se *store.Error
	switch {
	case errors.As(err, &qe):
	case errors.As(err, &se) && se.Kind != store.KindInternal:
		qe = s.MapError(se)
	default:
		qe = &Error{Status: 500, Code: "InternalFailure", Message: "An internal error occurred", Fault: "Receiver"}
	}
	if qe.Status >= 500 {
		s.Logger.Error("request failed", "service", s.Name, "action", action, "request_id", reqID, "error", err)
	}
	WriteError(w, r, s.Namespace, reqID, qe)
}
