package handlers

import (
	"strings"

	"golang.org/x/net/html"
)

// DeepL's tag_handling=xml is served by the gateway's HTML path: its
// engines keep tags as they are (Apertium's deformatter passes them byte
// for byte) and its markup check holds their sequence. An HTML check is
// lenient where XML is not (tag names differ by case, attributes may be
// requoted), so each translation of XML is held, here, to the exact bytes
// of its source's tags, comments and CDATA; one that differs is replaced
// by the text as it was sent, with a warning, rather than XML quietly
// changed.

// xmlMarkupChanged is the warning of a text whose XML came back altered.
const xmlMarkupChanged = "the XML markup came back altered (a tag, an attribute, a comment or CDATA): the text is returned as it was sent"

// keepXMLMarkup holds each translation of reply to its source text's
// markup, byte for byte.
func keepXMLMarkup(texts []string, reply *deeplTranslateReply) {
	for i, src := range texts {
		if i >= len(reply.Translations) {
			return
		}
		if markupOf(src) == markupOf(reply.Translations[i].Text) {
			continue
		}
		reply.Translations[i].Text = src
		reply.Warnings = append(reply.Warnings, deeplWarning{Text: i, Code: "output_check_failed", Check: "markup", Message: xmlMarkupChanged})
	}
}

// markupOf returns everything of text that is not text between tags, as
// written: the tags, comments, CDATA sections and declarations, in order.
func markupOf(text string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(text))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
		default:
			b.Write(z.Raw())
		}
	}
}
