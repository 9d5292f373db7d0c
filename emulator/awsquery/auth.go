package awsquery

import (
	"errors"

	"github.com/eksemu/eksemu/authn"
)

// FromAuth maps an authentication failure to the query protocol's codes
// (authenticator.md §5.4), identical for STS and IAM.
func FromAuth(err error) *Error {
	var f *authn.Failure
	if !errors.As(err, &f) {
		return &Error{Status: 500, Code: "InternalFailure", Message: "An internal error occurred", Fault: "Receiver"}
	}
	switch f.Reason {
	case authn.ReasonMissing:
		return Sender(403, "MissingAuthenticationToken", f.Message)
	case authn.ReasonIncomplete:
		return Sender(400, "IncompleteSignature", f.Message)
	case authn.ReasonUnknownKey:
		return Sender(403, "InvalidClientTokenId", f.Message)
	case authn.ReasonExpiredToken:
		return Sender(403, "ExpiredToken", f.Message)
	case authn.ReasonSignature:
		return Sender(403, "SignatureDoesNotMatch", f.Message)
	}
	return &Error{Status: 500, Code: "InternalFailure", Message: "An internal error occurred", Fault: "Receiver"}
}
