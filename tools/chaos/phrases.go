package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// phrase is a French sentence with one number in it, and its English
// translation with the same number. Articles of the run are made of phrases
// with numbers never used before, so that every paragraph is a text no
// provider has seen, and the stand-in providers can translate them into
// English that passes the gateway's output checks (language, length ratio,
// numbers) without a model.
type phrase struct {
	fr, en string // each holds one %d
}

var titlePhrases = []phrase{
	{"Sommet numéro %d à Vladivostok", "Summit number %d in Vladivostok"},
	{"Grève dans les transports, épisode %d", "Transport strike, episode %d"},
	{"Rapport %d sur la qualité de l'air", "Report %d on air quality"},
	{"Budget %d adopté par la mairie", "Budget %d adopted by the town hall"},
}

var paragraphPhrases = []phrase{
	{"Le conseil municipal a adopté jeudi soir le budget numéro %d après un long débat sur les transports.",
		"The city council adopted budget number %d on Thursday evening after a long debate on transport."},
	{"Selon le rapport %d publié mardi, la qualité de l'air s'est nettement améliorée dans les grandes villes.",
		"According to report %d published on Tuesday, air quality has clearly improved in the big cities."},
	{"Le vol %d à destination de Montréal a été annulé en raison d'une panne technique survenue au décollage.",
		"Flight %d to Montreal was cancelled because of a technical failure that occurred at take-off."},
	{"La ligne de bus %d sera prolongée jusqu'à la gare centrale à partir du mois de septembre.",
		"Bus line %d will be extended to the central station from the month of September."},
	{"Les enquêteurs ont entendu le témoin numéro %d pendant plus de trois heures au commissariat.",
		"The investigators heard witness number %d for more than three hours at the police station."},
	{"Le musée présente l'œuvre numéro %d de sa collection permanente dans une nouvelle salle consacrée à la peinture.",
		"The museum is showing work number %d of its permanent collection in a new room devoted to painting."},
	{"Le gouvernement a promis que le projet de loi %d serait examiné par les députés avant la fin de l'année.",
		"The government promised that bill %d would be examined by the members of parliament before the end of the year."},
	{"Les agriculteurs de la région ont manifesté devant la préfecture pour défendre le dossier %d.",
		"Farmers from the region demonstrated in front of the prefecture to defend case %d."},
}

// phrasebook translates the sentences of the phrases back into English.
type phrasebook struct {
	patterns []*regexp.Regexp
	english  []string
}

func newPhrasebook() *phrasebook {
	b := &phrasebook{}
	for _, set := range [][]phrase{titlePhrases, paragraphPhrases} {
		for _, p := range set {
			pattern := strings.Replace(regexp.QuoteMeta(p.fr), "%d", `(\d+)`, 1)
			b.patterns = append(b.patterns, regexp.MustCompile("^"+pattern+"$"))
			b.english = append(b.english, p.en)
		}
	}
	return b
}

// translate returns the English of a French segment made from a phrase, and
// false for any other text.
func (b *phrasebook) translate(fr string) (string, bool) {
	fr = strings.Join(strings.Fields(fr), " ")
	for i, re := range b.patterns {
		if m := re.FindStringSubmatch(fr); m != nil {
			return strings.Replace(b.english[i], "%d", m[1], 1), true
		}
	}
	return "", false
}

// article is one article of the run with the translation a correct answer
// must carry.
type article struct {
	titleFR, titleEN string
	parasFR, parasEN []string
}

// body is the JSON request for the article.
func (a *article) body() map[string]any {
	return map[string]any{"title": a.titleFR, "text": strings.Join(a.parasFR, "\n\n")}
}

// matches reports whether a translation is this article's.
func (a *article) matches(title string, paragraphs []string) bool {
	if fold(title) != a.titleEN || len(paragraphs) != len(a.parasEN) {
		return false
	}
	for i, p := range paragraphs {
		if fold(p) != a.parasEN[i] {
			return false
		}
	}
	return true
}

func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// newArticle makes an article from phrases chosen by pick (an index source,
// rand.Intn in the run) and numbers from next, each used once.
func newArticle(pick func(int) int, next func() int, paragraphs int) *article {
	t := titlePhrases[pick(len(titlePhrases))]
	n := next()
	a := &article{titleFR: fmt.Sprintf(t.fr, n), titleEN: fmt.Sprintf(t.en, n)}
	for range paragraphs {
		a.addParagraph(pick, next)
	}
	return a
}

func (a *article) addParagraph(pick func(int) int, next func() int) {
	p := paragraphPhrases[pick(len(paragraphPhrases))]
	n := next()
	a.parasFR = append(a.parasFR, fmt.Sprintf(p.fr, n))
	a.parasEN = append(a.parasEN, fmt.Sprintf(p.en, n))
}

// edited returns a copy of a with its last paragraph replaced by a new one:
// sent after a, it should cost one paragraph (a partial cache hit).
func (a *article) edited(pick func(int) int, next func() int) *article {
	e := &article{titleFR: a.titleFR, titleEN: a.titleEN,
		parasFR: append([]string(nil), a.parasFR[:len(a.parasFR)-1]...),
		parasEN: append([]string(nil), a.parasEN[:len(a.parasEN)-1]...)}
	e.addParagraph(pick, next)
	return e
}

// articleOutcome is one article's line of a batch's reply or of a job's
// results: its index (in a job), its status, and the reply's translation
// or the error.
type articleOutcome struct {
	Index  int `json:"index"`
	Status int `json:"status"`
	Result *struct {
		Translation *struct {
			Title      string   `json:"title"`
			Paragraphs []string `json:"paragraphs"`
		} `json:"translation"`
	} `json:"result"`
	Error *struct {
		Code string `json:"code"`
	} `json:"error"`
}

// translates reports whether o is a success holding a's own translation.
func (o articleOutcome) translates(a *article) bool {
	return o.Status == http.StatusOK && o.Result != nil && o.Result.Translation != nil &&
		a.matches(o.Result.Translation.Title, o.Result.Translation.Paragraphs)
}
