package prompts

import "strings"

// languageNames covers the languages a news service is likely to meet; models
// follow "French" more reliably than "fr".
var languageNames = map[string]string{
	"ar": "Arabic",
	"ca": "Catalan",
	"de": "German",
	"en": "English",
	"es": "Spanish",
	"fr": "French",
	"it": "Italian",
	"ja": "Japanese",
	"nl": "Dutch",
	"pl": "Polish",
	"pt": "Portuguese",
	"ru": "Russian",
	"uk": "Ukrainian",
	"zh": "Chinese",
}

// LanguageName returns the English name of an ISO 639-1 code ("fr" ->
// "French"), ignoring case, or the code itself when it is not known.
func LanguageName(code string) string {
	if name, ok := languageNames[strings.ToLower(code)]; ok {
		return name
	}
	return code
}
