package providers

import "context"

// TranslateWithSplits translates segs with call, one request when it can.
// A request too long for the model (KindContextLength, or an answer cut off
// at its output limit, reported the same way) is tried again in two halves;
// an unusable answer (KindBadOutput: a miscount, invalid JSON) is asked for
// segment by segment, since alone a segment cannot be miscounted or mixed
// with its neighbours. It returns one translation per segment, or the first
// error that splitting cannot mend.
func TranslateWithSplits(ctx context.Context, segs []string, call func(context.Context, []string) ([]string, error)) ([]string, error) {
	out, err := call(ctx, segs)
	if err == nil || len(segs) == 1 {
		return out, err
	}
	switch KindOf(err) {
	case KindContextLength:
		mid := len(segs) / 2
		left, err := TranslateWithSplits(ctx, segs[:mid], call)
		if err != nil {
			return nil, err
		}
		right, err := TranslateWithSplits(ctx, segs[mid:], call)
		if err != nil {
			return nil, err
		}
		return append(left, right...), nil
	case KindBadOutput:
		out := make([]string, len(segs))
		for i := range segs {
			one, err := TranslateWithSplits(ctx, segs[i:i+1], call)
			if err != nil {
				return nil, err
			}
			out[i] = one[0]
		}
		return out, nil
	}
	return nil, err
}
