package eksapi

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eksemu/eksemu/authn"
	"github.com/eksemu/eksemu/store"
)

// TestToAPIErrorIsTotal: every store Kind maps to an EKS exception, only
// internal errors become ServerException, and their detail stays in the logs.
func TestToAPIErrorIsTotal(t *testing.T) {
	t.Parallel()
	for _, k := range store.AllKinds() {
		for _, tagging := range []bool{false, true} {
			e := toAPIError(&store.Error{Kind: k, Message: "m", Cluster: "c"}, tagging)
			if k == store.KindInternal {
				assert.Equal(t, 500, e.status)
				assert.Equal(t, "ServerException", e.code)
				assert.NotEqual(t, "m", e.msg)
				continue
			}
			assert.Less(t, e.status, 500, k.String())
			assert.NotEqual(t, "ServerException", e.code, k.String())
			assert.Equal(t, "m", e.msg, k.String())
			assert.Equal(t, "c", e.cluster, k.String())
		}
	}
	e := toAPIError(errors.New("disk on fire"), false)
	assert.Equal(t, 500, e.status)
	assert.NotContains(t, e.msg, "disk")
}

func TestToAPIErrorTagging(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err           error
		plain, tagged string
	}{
		{&store.Error{Kind: store.KindNotFound}, "ResourceNotFoundException", "NotFoundException"},
		{&store.Error{Kind: store.KindInvalidParameter}, "InvalidParameterException", "BadRequestException"},
		{invalidParameter("c", "model validation"), "InvalidParameterException", "BadRequestException"},
	}
	for _, c := range cases {
		assert.Equal(t, c.plain, toAPIError(c.err, false).code)
		assert.Equal(t, c.tagged, toAPIError(c.err, true).code)
	}
	ae := invalidParameter("c", "x").(*apiError)
	toAPIError(ae, true)
	assert.Equal(t, "InvalidParameterException", ae.code, "mapping must not modify the error it maps")
}

func TestFromAuth(t *testing.T) {
	t.Parallel()
	want := map[authn.Reason]string{
		authn.ReasonMissing:      "MissingAuthenticationTokenException",
		authn.ReasonIncomplete:   "IncompleteSignatureException",
		authn.ReasonUnknownKey:   "UnrecognizedClientException",
		authn.ReasonExpiredToken: "ExpiredTokenException",
		authn.ReasonSignature:    "InvalidSignatureException",
	}
	for r, code := range want {
		e := toAPIError(&authn.Failure{Reason: r, Message: "m"}, false)
		assert.Equal(t, code, e.code)
		assert.Equal(t, 403, e.status)
	}
	assert.Equal(t, 500, toAPIError(&authn.Failure{Reason: authn.ReasonInternal, Message: "m"}, false).status)
}
