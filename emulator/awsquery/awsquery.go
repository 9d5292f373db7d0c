package awsquery

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Error is an error in the query protocol.
type Error struct {
	Status  int
	Code    string
	Message string
	// Fault is "Sender" (client errors) or "Receiver" (server errors).
	Fault string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Sender returns a client-fault error.
func Sender(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message, Fault: "Sender"}
}

// Params returns the request's parameters: the URL query merged with a
// form-encoded body (POST).
func Params(r *http.Request, body []byte) (url.Values, error) {
	params := r.URL.Query()
	if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, Sender(400, "MalformedQueryString", "Invalid form-encoded request body")
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	return params, nil
}

// Int reads an optional integer parameter; ok is false when absent.
func Int(params url.Values, name, member string) (n int, ok bool, err error) {
	v := params.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil {
		return 0, false, Sender(400, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", v, member))
	}
	return n, true, nil
}

// WantsJSON reports whether the client asked for JSON (Accept: application/json).
func WantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

type responseMetadata struct {
	RequestID string `xml:"RequestId" json:"RequestId"`
}

// WriteResult writes <ActionResponse xmlns=NS><ActionResult>result</ActionResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>. A nil result
// omits the Result element (Delete… actions).
func WriteResult(w http.ResponseWriter, r *http.Request, action, namespace, requestID string, result any) {
	w.Header().Set("x-amzn-RequestId", requestID)
	if WantsJSON(r) {
		body := map[string]any{action + "Response": map[string]any{
			action + "Result":  result,
			"ResponseMetadata": responseMetadata{RequestID: requestID},
		}}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	var b strings.Builder
	b.WriteString(`<` + action + `Response xmlns="` + namespace + `">` + "\n")
	if result != nil {
		enc := xml.NewEncoder(&b) // writes the prefix before the first element too
		enc.Indent("  ", "  ")
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			WriteError(w, r, namespace, requestID, &Error{Status: 500, Code: "InternalFailure", Message: "An internal error occurred", Fault: "Receiver"})
			return
		}
		b.WriteString("\n")
	}
	b.WriteString("  <ResponseMetadata>\n    <RequestId>" + requestID + "</RequestId>\n  </ResponseMetadata>\n")
	b.WriteString(`</` + action + `Response>` + "\n")
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(b.String()))
}

type xmlError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Error     struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// WriteError writes e as <ErrorResponse> XML, or as
// {"Error":{"Code","Message","Type"},"RequestId"} when the client wants JSON.
func WriteError(w http.ResponseWriter, r *http.Request, namespace, requestID string, e *Error) {
	w.Header().Set("x-amzn-RequestId", requestID)
	fault := e.Fault
	if fault == "" {
		fault = "Sender"
	}
	if WantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"Error":     map[string]string{"Code": e.Code, "Message": e.Message, "Type": fault},
			"RequestId": requestID,
		})
		return
	}
	body := xmlError{Namespace: namespace, RequestID: requestID}
	body.Error.Type, body.Error.Code, body.Error.Message = fault, e.Code, e.Message
	out, _ := xml.MarshalIndent(body, "", "  ")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	_, _ = w.Write(out)
	_, _ = w.Write([]byte("\n"))
}
