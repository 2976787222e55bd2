package gateway

import (
	"context"
	"strings"
	"testing"

	"passerelle/cache"
	"passerelle/internal/testenv"
)

// TestOrdinaryNewsThroughApertium: an article whose paragraphs give
// telephone numbers in every French form, dates, times, scores and
// references is translated whole by the real Apertium: the numbers check
// finds each of them in what the engine kept, and no paragraph is refused.
// Its Redis is its own, so that no paragraph is answered from an entry an
// earlier run made.
func TestOrdinaryNewsThroughApertium(t *testing.T) {
	paragraphs := []string{
		"Une permanence pour les sinistrés",
		unique("La mairie ouvre une permanence pour les habitants touchés par les inondations de la semaine dernière."),
		"Pour tout renseignement, contacter le 08.11.00.06.95 entre 10 heures et 18 heures.",
		"Les bénévoles peuvent appeler le 06.12.34.56.78 ou le 06 12 34 56 78 pour s'inscrire.",
		"Le standard répond au 01 45 67 89 10, ou au +33 (0)1 45 67 89 10 depuis l'étranger, du lundi au vendredi.",
		"Le numéro vert 0 800 123 456 est gratuit depuis un poste fixe.",
		"La réunion publique, prévue le 03.02.2020 à 14h30, a été avancée au 3/02/2020 à 10h.",
		"Le club local a battu Marseille 3-1 dimanche, après s'être imposé 2 à 1 face à Lille.",
		"Selon l'article L. 123-4 du code de commerce, l'association (SIRET 123 456 789 00012, 75008 Paris) publie ses comptes.",
	}
	store, err := cache.NewRedis(cache.RedisOptions{URL: testenv.StartRedis(t).URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	svc := newApertiumService(t, store, true)
	req := Request{Text: strings.Join(paragraphs, "\n\n")}
	res, err := svc.Translate(context.Background(), req)
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if res.Cache.Status != CacheMiss {
		t.Fatalf("cache %+v, want a miss: the test must reach the engine", res.Cache)
	}
	svc.Flush()
	got := strings.Join(res.Translation.Paragraphs, "\n")
	for _, kept := range []string{"08.11.00.06.95", "06.12.34.56.78", "06 12 34 56 78", "01 45 67 89 10", "+33 (0)1 45 67 89 10",
		"0 800 123 456", "03.02.2020", "14h30", "3-1", "L. 123-4", "123 456 789 00012", "75008"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q is not in the translation:\n%s", kept, got)
		}
	}
	// Every paragraph passed its checks, so the article was cached.
	again, err := svc.Translate(context.Background(), req)
	if err != nil || again.Cache.Status != CacheHit {
		t.Errorf("again: cache %+v, error %v, want a hit", again.Cache, err)
	}
}
