// DeepL's own Node client, deepl-node, pointed at Passerelle by serverUrl,
// as a tool written for DeepL would be. Run by cmd/passerelle's
// TestDeepLNodeClient with PASSERELLE_URL, DEEPL_KEY (an allowance of
// DEEPL_KEY_LIMIT characters a day) and DEEPL_SMALL_KEY (a small one); it
// prints what the client returned, and the error classes it raised, as one
// JSON object for the Go test to check.
import * as deepl from 'deepl-node';

const serverUrl = process.env.PASSERELLE_URL;
// No retries: a refusal must come back at once, not after deepl-node's
// backoff; a generous timeout for Apertium's first call.
const options = { serverUrl, maxRetries: 0, minTimeout: 30000 };

const translator = new deepl.Translator(process.env.DEEPL_KEY, options);
const out = {};

out.one = await translator.translateText('Le président a démissionné hier soir.', 'fr', 'en-GB');
out.oneDetected = await translator.translateText('Le gouvernement a présenté son budget.', null, 'en-US');
out.array = await translator.translateText(['La ville de Nantes a voté son budget.', 'Les manifestants sont rentrés chez eux.'], 'fr', 'en-US');
out.arrayDetected = await translator.translateText(['Le maire de Lyon parle.', 'Une nouvelle école ouvre.'], null, 'en-GB');
out.html = await translator.translateText('<p>Le <b>chat</b> noir dort dans la maison.</p>', 'fr', 'en-GB', { tagHandling: 'html' });

const usage = await translator.getUsage();
out.usage = { count: usage.character.count, limit: usage.character.limit, limitReached: usage.anyLimitReached() };
out.sources = await translator.getSourceLanguages();
out.targets = await translator.getTargetLanguages();

// errorOf runs a call expected to fail and names what it raised.
async function errorOf(call) {
  try {
    await call();
    return { class: 'none' };
  } catch (e) {
    for (const name of ['QuotaExceededError', 'AuthorizationError', 'TooManyRequestsError']) {
      if (e instanceof deepl[name]) {
        return { class: name, message: e.message };
      }
    }
    return { class: e.constructor.name, message: e.message };
  }
}

out.wrongKey = await errorOf(() => new deepl.Translator('psl_wrong', options).translateText('Bonjour.', 'fr', 'en-GB'));

const small = new deepl.Translator(process.env.DEEPL_SMALL_KEY, options);
out.smallFirst = await small.translateText('Bonjour le monde.', 'fr', 'en-GB');
out.smallSpent = await errorOf(() => small.translateText('Bonsoir le monde.', 'fr', 'en-GB'));
const smallUsage = await small.getUsage();
out.smallUsage = { count: smallUsage.character.count, limit: smallUsage.character.limit };

console.log(JSON.stringify(out));
