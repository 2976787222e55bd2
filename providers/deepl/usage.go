package deepl

import (
	"context"
	"fmt"

	"passerelle/providers"
)

// Quota is the character allowance of the current billing period, from
// GET /v2/usage. Zero fields were not reported.
type Quota struct {
	// CharacterCount and CharacterLimit are the account's (or, when cost
	// control is set, its cost-control limit).
	CharacterCount int64
	CharacterLimit int64
	// KeyCharacterCount and KeyCharacterLimit are this key's, reported on
	// the Pro plan only.
	KeyCharacterCount int64
	KeyCharacterLimit int64
}

// Exhausted reports whether the account's or the key's limit is reached.
func (q Quota) Exhausted() bool {
	return (q.CharacterLimit > 0 && q.CharacterCount >= q.CharacterLimit) ||
		(q.KeyCharacterLimit > 0 && q.KeyCharacterCount >= q.KeyCharacterLimit)
}

// Quota asks DeepL how much of the billing period's character allowance is
// used. It costs no characters. It returns a *providers.Error when DeepL
// cannot be reached, refuses the key, or answers something else.
func (p *Provider) Quota(ctx context.Context) (Quota, error) {
	var answer struct {
		CharacterCount       int64 `json:"character_count"`
		CharacterLimit       int64 `json:"character_limit"`
		APIKeyCharacterCount int64 `json:"api_key_character_count"`
		APIKeyCharacterLimit int64 `json:"api_key_character_limit"`
	}
	if err := p.call(ctx, "GET", "/v2/usage", nil, &answer); err != nil {
		return Quota{}, err
	}
	return Quota{
		CharacterCount:    answer.CharacterCount,
		CharacterLimit:    answer.CharacterLimit,
		KeyCharacterCount: answer.APIKeyCharacterCount,
		KeyCharacterLimit: answer.APIKeyCharacterLimit,
	}, nil
}

// Ping checks that DeepL answers and accepts the key, with GET /v2/usage.
// Besides the errors of Quota, it returns a KindQuota error when the
// character allowance is used up, since every translation would fail.
func (p *Provider) Ping(ctx context.Context) error {
	q, err := p.Quota(ctx)
	if err != nil {
		return err
	}
	if q.Exhausted() {
		return p.errorf(providers.KindQuota, "character quota used up: %s", q)
	}
	return nil
}

// String returns the figures, e.g. "180118 of 1250000 characters".
func (q Quota) String() string {
	s := fmt.Sprintf("%d of %d characters", q.CharacterCount, q.CharacterLimit)
	if q.KeyCharacterLimit > 0 {
		s += fmt.Sprintf(" (this key: %d of %d)", q.KeyCharacterCount, q.KeyCharacterLimit)
	}
	return s
}
