package article

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxBoilerplateRunes is the length above which a paragraph is always article
// text. Web furniture is short: the longest cookie banners seen in French and
// English news pages stay under 300 characters, while a paragraph of reporting
// that merely mentions cookies, comments or subscriptions is usually longer.
// The rule errs on the side of keeping text: a dropped paragraph is a silent
// loss, a kept banner is a few wasted tokens.
const maxBoilerplateRunes = 400

// boilerplateLines are whole paragraphs (buttons, labels, one-line prompts)
// compared after folding: lower case, straight apostrophes, and the bullets,
// arrows and punctuation around them removed. Words that a real article could
// end on, such as "OK" or "D'accord" in an interview, are left out on purpose.
var boilerplateLines = map[string]bool{
	// Consent buttons.
	"accepter": true, "tout accepter": true, "accepter tout": true, "accepter et fermer": true,
	"accepter et continuer": true, "j'accepte": true, "refuser": true, "tout refuser": true,
	"continuer sans accepter": true, "personnaliser": true, "paramétrer": true, "gérer mes choix": true,
	"accept": true, "accept all": true, "i accept": true, "i agree": true, "reject all": true,
	"decline": true, "manage cookies": true, "cookie settings": true,
	// Links to more.
	"en savoir plus": true, "lire la suite": true, "lire plus": true, "voir plus": true,
	"learn more": true, "read more": true, "continue reading": true,
	// Advertising.
	"publicité": true, "pub": true, "contenu sponsorisé": true, "contenus sponsorisés": true,
	"advertisement": true, "sponsored": true, "sponsored content": true,
	// Sharing, subscribing, account, page tools.
	"partager": true, "partager cet article": true, "partager l'article": true,
	"share": true, "share this": true, "share this article": true, "share this story": true,
	"abonnez-vous": true, "s'abonner": true, "je m'abonne": true, "newsletter": true,
	"subscribe": true, "se connecter": true, "connexion": true, "sign in": true, "log in": true,
	"imprimer": true, "print": true, "commenter": true, "réagir": true, "fermer": true, "close": true,
	"haut de page": true, "retour en haut": true, "back to top": true,
	// Closings.
	"tous droits réservés": true, "all rights reserved": true,
	"les commentaires sont fermés": true, "comments are closed": true,
	"vous avez aimé cet article": true, "cet article vous a plu": true,
}

// boilerplatePatterns match the start (or, for copyright, the end) of a folded
// paragraph. They are anchored so that a sentence which only quotes the words,
// "selon la CNIL, le site utilise des cookies sans consentement", is not
// furniture.
var boilerplatePatterns = []*regexp.Regexp{
	// Comments closed or invited.
	regexp.MustCompile(`^(?:les )?commentaires (?:sont )?(?:fermés|clos|désactivés)`),
	regexp.MustCompile(`^comments (?:are )?(?:closed|disabled)`),
	regexp.MustCompile(`^(?:ajouter|laisser|écrire|poster) un commentaire`),
	regexp.MustCompile(`^(?:leave|add|post) a (?:comment|reply)`),
	regexp.MustCompile(`^(?:voir les )?\d+ (?:commentaires?|comments?)$`),

	// Cookie and consent banners.
	regexp.MustCompile(`^(?:ce|notre) site(?: web| internet)? (?:utilise|emploie|dépose|a recours à) (?:des )?(?:cookies|traceurs)`),
	regexp.MustCompile(`^nous (?:utilisons|employons|déposons) des (?:cookies|traceurs)`),
	regexp.MustCompile(`^en (?:poursuivant|continuant) (?:votre|la) navigation`),
	regexp.MustCompile(`^(?:this|our) (?:web)?site uses cookies`),
	regexp.MustCompile(`^we use cookies`),
	regexp.MustCompile(`^by (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site`),
	regexp.MustCompile(`^(?:accepter|refuser|gérer|paramétrer|personnaliser)(?: tous)? (?:les|mes) (?:cookies|traceurs)`),
	regexp.MustCompile(`^(?:accept|reject|manage)(?: all)? cookies`),
	regexp.MustCompile(`^(?:politique|gestion) (?:de|des|relative aux) (?:cookies|traceurs)`),
	regexp.MustCompile(`^cookie (?:policy|settings|preferences)`),

	// Newsletter, subscription and paywall prompts.
	regexp.MustCompile(`^(?:inscrivez-vous|abonnez-vous|recevez|s'inscrire|je m'inscris|inscription)\b.{0,80}\b(?:newsletter|lettre d'information|infolettre)`),
	regexp.MustCompile(`^(?:sign up|subscribe|get)\b.{0,60}\bnewsletter`),
	regexp.MustCompile(`^(?:abonnez-vous|je m'abonne|subscribe (?:now|today))\b`),
	regexp.MustCompile(`^(?:cet article est )?réservé aux abonnés`),
	// Paywall offers left in the article's container.
	regexp.MustCompile(`^pour (?:accéder|lire) (?:en illimité|la suite|l'intégralité)`),

	// Share prompts.
	regexp.MustCompile(`^(?:partager|share)(?: (?:sur|on|via|par))? (?:facebook|twitter|x|linkedin|whatsapp|e-?mail|messenger|pinterest|reddit|bluesky|telegram)\b`),
	regexp.MustCompile(`^(?:partager|share) (?:cet article|l'article|this article|this story)`),

	// Teasers for other articles.
	regexp.MustCompile(`^(?:à |a )?(?:lire|voir) aussi\b`),
	regexp.MustCompile(`^lire la suite\b`),
	regexp.MustCompile(`^(?:read more|read also|see also)\b`),
	regexp.MustCompile(`^continue reading\b`),
	regexp.MustCompile(`^related(?: articles?| stories| content)? ?:`),
	regexp.MustCompile(`^sur le même sujet\b`),

	// Copyright and credit lines.
	regexp.MustCompile(`^(?:©|\(c\) ?\d{4}|copyright (?:©|\(c\)|\d{4}))`),
	// Picture credits and captions' labels, a line of their own.
	regexp.MustCompile(`^(?:crédits? (?:photos?|images?)|photo credits?|image credit) ?:`),
	regexp.MustCompile(`^(?:image|photo) (?:illustrative|d'illustration)\.?$`),

	// Feedback prompts.
	regexp.MustCompile(`^vous avez aimé cet article`),
	regexp.MustCompile(`^cet article vous a plu`),
	regexp.MustCompile(`^(?:did you )?(?:like|liked|enjoy|enjoyed) this article`),
}

// IsBoilerplate reports whether a paragraph is web furniture rather than
// article text: a consent banner, a share or newsletter prompt, a teaser for
// another article, an advertising label, a copyright line, a "comments are
// closed" notice, in French or English. Matching ignores case, apostrophe
// style, white space and the bullets or arrows around a prompt. A paragraph
// longer than 400 characters is never boilerplate, and neither is an empty one.
//
// IsBoilerplate judges a paragraph alone; Parse only drops what it flags at
// the start or the end of an article, never in the middle.
func IsBoilerplate(paragraph string) bool {
	n := utf8.RuneCountInString(paragraph)
	if n == 0 || n > maxBoilerplateRunes {
		return false
	}
	key := foldForMatch(paragraph)
	if key == "" {
		return false
	}
	if boilerplateLines[strings.TrimRightFunc(key, isDecoration)] {
		return true
	}
	for _, re := range boilerplatePatterns {
		if re.MatchString(key) {
			return true
		}
	}
	return endsWithRightsReserved(key)
}

// rightsReserved matches a folded paragraph that ends on the copyright
// formula ("… Tous droits réservés."). It is the one pattern not anchored at
// the start, which the regexp engine tries at every position of the text:
// the words are looked for first, which is most of a paragraph's cost
// otherwise.
var rightsReserved = regexp.MustCompile(`(?:tous droits réservés|all rights reserved)[^\pL\pN]*$`)

func endsWithRightsReserved(key string) bool {
	return (strings.Contains(key, "tous droits réservés") || strings.Contains(key, "all rights reserved")) &&
		rightsReserved.MatchString(key)
}

// foldForMatch lowers case, straightens apostrophes, folds every kind of white
// space to one space and strips the decoration before the first word.
func foldForMatch(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u2019', '\u2018', '\u02bc':
			return '\''
		}
		return unicode.ToLower(r)
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimLeftFunc(s, func(r rune) bool {
		// "(" and "©" start copyright lines, so they are not decoration here.
		return r != '(' && r != '©' && isDecoration(r)
	})
}

// isDecoration reports whether r is punctuation, a symbol or a space: the
// bullets, arrows, ellipses and question marks around a button label.
func isDecoration(r rune) bool {
	return unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
}

// trimBoilerplate drops the run of boilerplate blocks at the head and at the
// tail. One in the middle is kept: it is more likely a real paragraph that
// happens to quote a banner than furniture.
func trimBoilerplate(blocks []block) []block {
	for len(blocks) > 0 && IsBoilerplate(blocks[0].text) {
		blocks = blocks[1:]
	}
	for len(blocks) > 0 && IsBoilerplate(blocks[len(blocks)-1].text) {
		blocks = blocks[:len(blocks)-1]
	}
	return blocks
}
