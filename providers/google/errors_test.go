package google_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"passerelle/providers"
	"passerelle/providers/google"
)

// TestTranslateErrors replays the error answers Google documents for v2
// (the legacy errors[] shape and the newer google.rpc one with ErrorInfo
// details) and those of proxies in front of it.
func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		header      http.Header
		body        string
		want        providers.Error // Kind, Status, Code and RetryAfter are compared
		wantMessage string
	}{
		{
			name: "invalid key", status: 400, body: invalidKeyBody,
			want: providers.Error{Kind: providers.KindAuth, Status: 400, Code: "API_KEY_INVALID"}, wantMessage: "API key not valid",
		},
		{
			name: "invalid key, legacy", status: 400,
			body: `{"error": {"errors": [{"domain": "usageLimits", "reason": "keyInvalid", "message": "Bad Request"}], "code": 400, "message": "Bad Request"}}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 400, Code: "keyInvalid"}, wantMessage: "Bad Request",
		},
		{
			name: "expired key", status: 400,
			body: `{"error": {"code": 400, "message": "API key expired. Please renew the API key.", "errors": [{"message": "API key expired. Please renew the API key.", "domain": "global", "reason": "badRequest"}], "status": "INVALID_ARGUMENT",
				"details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_EXPIRED", "domain": "googleapis.com", "metadata": {"service": "translate.googleapis.com"}}]}}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 400, Code: "API_KEY_EXPIRED"}, wantMessage: "expired",
		},
		{
			name: "missing key", status: 403,
			body: `{"error": {"code": 403, "message": "The request is missing a valid API key.", "errors": [{"message": "The request is missing a valid API key.", "domain": "global", "reason": "forbidden"}], "status": "PERMISSION_DENIED"}}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 403, Code: "forbidden"}, wantMessage: "missing a valid API key",
		},
		{
			name: "API not enabled", status: 403,
			body: `{"error": {"code": 403, "message": "Cloud Translation API has not been used in project 123456789012 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/translate.googleapis.com/overview?project=123456789012 then retry.",
				"errors": [{"message": "Cloud Translation API has not been used in project 123456789012 before or it is disabled.", "domain": "usageLimits", "reason": "accessNotConfigured", "extendedHelp": "https://console.developers.google.com"}],
				"status": "PERMISSION_DENIED",
				"details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED", "domain": "googleapis.com", "metadata": {"service": "translate.googleapis.com", "consumer": "projects/123456789012"}}]}}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 403, Code: "SERVICE_DISABLED"}, wantMessage: "has not been used",
		},
		{
			name: "API not enabled, legacy", status: 403,
			body: `{"error": {"errors": [{"domain": "usageLimits", "reason": "accessNotConfigured", "message": "Access Not Configured. Cloud Translation API has not been used in project 123456789012 before or it is disabled."}], "code": 403, "message": "Access Not Configured. Cloud Translation API has not been used in project 123456789012 before or it is disabled."}}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 403, Code: "accessNotConfigured"}, wantMessage: "Access Not Configured",
		},
		{
			name: "key restricted to other APIs", status: 403,
			body: `{"error": {"code": 403, "message": "Requests to this API translate.googleapis.com method google.cloud.translate.v2.TranslateService.TranslateText are blocked.", "errors": [{"message": "Requests to this API translate.googleapis.com method google.cloud.translate.v2.TranslateService.TranslateText are blocked.", "domain": "global", "reason": "forbidden"}], "status": "PERMISSION_DENIED",
				"details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_SERVICE_BLOCKED", "domain": "googleapis.com", "metadata": {"service": "translate.googleapis.com"}}]}}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 403, Code: "API_KEY_SERVICE_BLOCKED"}, wantMessage: "are blocked",
		},
		{
			name: "billing disabled", status: 403,
			body: `{"error": {"code": 403, "message": "This API method requires billing to be enabled. Please enable billing on project #123456789012 by visiting https://console.developers.google.com/billing/enable?project=123456789012 then retry.",
				"errors": [{"message": "This API method requires billing to be enabled.", "domain": "usageLimits", "reason": "accessNotConfigured"}], "status": "PERMISSION_DENIED",
				"details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "BILLING_DISABLED", "domain": "googleapis.com", "metadata": {"service": "translate.googleapis.com", "consumer": "projects/123456789012"}}]}}`,
			want: providers.Error{Kind: providers.KindQuota, Status: 403, Code: "BILLING_DISABLED"}, wantMessage: "requires billing",
		},
		{
			name: "daily limit", status: 403,
			body: `{"error": {"errors": [{"domain": "usageLimits", "reason": "dailyLimitExceeded", "message": "Daily Limit Exceeded"}], "code": 403, "message": "Daily Limit Exceeded"}}`,
			want: providers.Error{Kind: providers.KindQuota, Status: 403, Code: "dailyLimitExceeded"}, wantMessage: "Daily Limit Exceeded",
		},
		{
			name: "user rate limit", status: 403, header: http.Header{"Retry-After": {"30"}},
			body: `{"error": {"errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded", "message": "User Rate Limit Exceeded"}], "code": 403, "message": "User Rate Limit Exceeded"}}`,
			want: providers.Error{Kind: providers.KindRateLimited, Status: 403, Code: "userRateLimitExceeded", RetryAfter: 30 * time.Second}, wantMessage: "User Rate Limit Exceeded",
		},
		{
			name: "rate limit", status: 403,
			body: `{"error": {"errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}], "code": 403, "message": "Rate Limit Exceeded"}}`,
			want: providers.Error{Kind: providers.KindRateLimited, Status: 403, Code: "rateLimitExceeded"}, wantMessage: "Rate Limit Exceeded",
		},
		{
			name: "per-minute quota", status: 429, header: http.Header{"Retry-After": {"12"}},
			body: `{"error": {"code": 429, "message": "Quota exceeded for quota metric 'v2 and v3 general model characters' and limit 'v2 and v3 general model characters per minute per user' of service 'translate.googleapis.com' for consumer 'project_number:123456789012'.",
				"errors": [{"message": "Quota exceeded for quota metric 'v2 and v3 general model characters' and limit 'v2 and v3 general model characters per minute per user' of service 'translate.googleapis.com' for consumer 'project_number:123456789012'.", "domain": "global", "reason": "rateLimitExceeded"}],
				"status": "RESOURCE_EXHAUSTED",
				"details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com", "metadata": {"service": "translate.googleapis.com", "consumer": "projects/123456789012", "quota_metric": "translate.googleapis.com/default", "quota_limit": "DefaultPerMinutePerUser", "quota_limit_value": "6000000"}}]}}`,
			want: providers.Error{Kind: providers.KindRateLimited, Status: 429, Code: "RATE_LIMIT_EXCEEDED", RetryAfter: 12 * time.Second}, wantMessage: "per minute per user",
		},
		{
			name: "per-day quota", status: 429, header: http.Header{"Retry-After": {"12"}},
			body: `{"error": {"code": 429, "message": "Quota exceeded for quota metric 'v2 and v3 general model characters' and limit 'v2 and v3 general model characters per day' of service 'translate.googleapis.com' for consumer 'project_number:123456789012'.",
				"errors": [{"message": "Quota exceeded.", "domain": "global", "reason": "rateLimitExceeded"}],
				"status": "RESOURCE_EXHAUSTED",
				"details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com", "metadata": {"service": "translate.googleapis.com", "consumer": "projects/123456789012"}}]}}`,
			want: providers.Error{Kind: providers.KindQuota, Status: 429, Code: "RATE_LIMIT_EXCEEDED"}, wantMessage: "per day",
		},
		{
			name: "per-day quota named in the limit only", status: 429,
			body: `{"error": {"code": 429, "message": "Quota exceeded for quota metric 'translate.googleapis.com/default' of service 'translate.googleapis.com'.",
				"errors": [{"message": "Quota exceeded.", "domain": "global", "reason": "rateLimitExceeded"}],
				"status": "RESOURCE_EXHAUSTED",
				"details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com", "metadata": {"service": "translate.googleapis.com", "quota_metric": "translate.googleapis.com/default", "quota_limit": "DefaultPerDayPerProject", "quota_limit_value": "500000"}}]}}`,
			want: providers.Error{Kind: providers.KindQuota, Status: 429, Code: "RATE_LIMIT_EXCEEDED"}, wantMessage: "Quota exceeded",
		},
		{
			name: "resource exhausted without reasons", status: 429,
			body: `{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}`,
			want: providers.Error{Kind: providers.KindRateLimited, Status: 429, Code: "RESOURCE_EXHAUSTED"}, wantMessage: "exhausted",
		},
		{
			name: "invalid target", status: 400,
			body: `{"error": {"code": 400, "message": "Invalid Value", "errors": [{"message": "Invalid Value", "domain": "global", "reason": "invalid"}], "status": "INVALID_ARGUMENT"}}`,
			want: providers.Error{Kind: providers.KindBadRequest, Status: 400, Code: "invalid"}, wantMessage: "Invalid Value",
		},
		{
			name: "bad language pair", status: 400,
			body: `{"error": {"code": 400, "message": "Bad language pair: fr|xx", "errors": [{"message": "Bad language pair: fr|xx", "domain": "global", "reason": "badRequest"}], "status": "INVALID_ARGUMENT"}}`,
			want: providers.Error{Kind: providers.KindBadRequest, Status: 400, Code: "badRequest"}, wantMessage: "Bad language pair",
		},
		{
			name: "payload too large", status: 400,
			body: `{"error": {"code": 400, "message": "Request payload size exceeds the limit: 204800 bytes.", "errors": [{"message": "Request payload size exceeds the limit: 204800 bytes.", "domain": "global", "reason": "badRequest"}], "status": "INVALID_ARGUMENT"}}`,
			want: providers.Error{Kind: providers.KindContextLength, Status: 400, Code: "badRequest"}, wantMessage: "204800",
		},
		{
			name: "backend error", status: 500,
			body: `{"error": {"code": 500, "message": "Internal error encountered.", "errors": [{"message": "Internal error encountered.", "domain": "global", "reason": "backendError"}], "status": "INTERNAL"}}`,
			want: providers.Error{Kind: providers.KindUnavailable, Status: 500, Code: "backendError"}, wantMessage: "Internal error",
		},
		{
			name: "unavailable", status: 503, header: http.Header{"Retry-After": {"5"}},
			body: `{"error": {"code": 503, "message": "The service is currently unavailable.", "errors": [{"message": "The service is currently unavailable.", "domain": "global", "reason": "backendError"}], "status": "UNAVAILABLE"}}`,
			want: providers.Error{Kind: providers.KindUnavailable, Status: 503, Code: "backendError", RetryAfter: 5 * time.Second}, wantMessage: "currently unavailable",
		},
		{
			name: "deadline exceeded", status: 504,
			body: `{"error": {"code": 504, "message": "Deadline expired before operation could complete.", "status": "DEADLINE_EXCEEDED"}}`,
			want: providers.Error{Kind: providers.KindTimeout, Status: 504, Code: "DEADLINE_EXCEEDED"}, wantMessage: "Deadline",
		},
		{
			name: "429 from a proxy", status: 429, header: http.Header{"Retry-After": {"3"}},
			body: `Too Many Requests`,
			want: providers.Error{Kind: providers.KindRateLimited, Status: 429, RetryAfter: 3 * time.Second}, wantMessage: "Too Many Requests",
		},
		{
			name: "bad gateway page", status: 502,
			body: `<html><head><title>502 Bad Gateway</title></head></html>`,
			want: providers.Error{Kind: providers.KindUnavailable, Status: 502}, wantMessage: "502 Bad Gateway",
		},
		{
			name: "proxy quoting the key", status: 403,
			body: `<html><body>Forbidden: request with X-Goog-Api-Key ` + testKey + ` denied</body></html>`,
			want: providers.Error{Kind: providers.KindAuth, Status: 403}, wantMessage: "[redacted]",
		},
		{
			name: "Google quoting the key", status: 400,
			body: `{"error": {"code": 400, "message": "Invalid value for key ` + testKey + `", "errors": [{"message": "Invalid", "domain": "global", "reason": "invalid"}], "status": "INVALID_ARGUMENT"}}`,
			want: providers.Error{Kind: providers.KindBadRequest, Status: 400, Code: "invalid"}, wantMessage: "[redacted]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGoogle(t)
			f.answer = func(w http.ResponseWriter, _ v2Request) {
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				writeJSON(w, tt.status, tt.body)
			}
			p := f.provider(google.Options{Name: "gt"})
			_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]})
			got := wantKind(t, err, tt.want.Kind)
			if got.Status != tt.want.Status || got.Code != tt.want.Code || got.RetryAfter != tt.want.RetryAfter {
				t.Errorf("error = {Status: %d, Code: %q, RetryAfter: %v}, want {Status: %d, Code: %q, RetryAfter: %v}",
					got.Status, got.Code, got.RetryAfter, tt.want.Status, tt.want.Code, tt.want.RetryAfter)
			}
			if !strings.Contains(got.Message, tt.wantMessage) {
				t.Errorf("Message = %q, want it to contain %q", got.Message, tt.wantMessage)
			}
			if got.Provider != "gt" {
				t.Errorf("Provider = %q, want the configured name %q", got.Provider, "gt")
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q contains the API key", err)
			}
		})
	}
}
