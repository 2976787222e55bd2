package extractive

import "strings"

// stopWords holds, per language, the function words that say nothing about
// what an article is about. Left in, they would make every pair of sentences
// look alike and flatten the centrality scores. Elided forms ("l'", "qu'") are
// listed without their apostrophe, since words are cut there.
var stopWords = map[string]map[string]struct{}{
	"fr": wordSet(`
		a à afin ai aie aient ainsi ait alors as au aucun aucune aujourd auprès aussi autre autres aux avaient avais
		avait avant avec avez aviez avions avoir avons ayant c ça car ce ceci cela celle celles celui cependant ces
		cet cette ceux chaque chez ci comme comment d dans de des deux devant doit donc dont du durant elle elles en
		encore entre es est et étaient étais était étant été êtes être eu eux fait faire fois font hors ici il ils
		j je jusqu l la là le les leur leurs lors lorsqu lorsque lui m ma mais me même mêmes mes moi moins mon n ne
		ni nos notre nous on ont or ou où par parce pas peu peut plus plusieurs pour pourquoi puis qu quand que quel
		quelle quelles quels qui quoi s sa sans se selon ses si sien son sont sous sur t ta tandis te tes toi ton
		tous tout toute toutes très tu un une vers via voici voilà vos votre vous y
		déjà après depuis contre dès aussi quelque quelques autant tant leur cet
	`),
	"en": wordSet(`
		a about above after again against all also am an and any are aren as at be because been before being below
		between both but by can could couldn d did didn do does doesn doing don down during each few for from further
		had hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn it its
		itself just ll m me more most my myself no nor not now o of off on once only or other our ours ourselves out
		over own re s said same say says she should shouldn so some such t than that the their theirs them themselves
		then there these they this those through to too under until up us ve very was wasn we were weren what when
		where which while who whom why will with won would wouldn y you your yours yourself yourselves
	`),
}

func wordSet(list string) map[string]struct{} {
	words := strings.Fields(list)
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
