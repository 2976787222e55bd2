// The npm libretranslate client against the gateway: PASSERELLE_URL is its
// apiurl, PASSERELLE_KEY its apiKey, TEXT the French to translate. Prints
// {"translatedText": ..., "statuses": [...]} on one line: what the client
// returned (it returns undefined, not an error, when the server refuses)
// and the status of each HTTP reply it read.
import { translate } from "libretranslate";

const statuses = [];
const send = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const res = await send(...args);
  statuses.push(res.status);
  return res;
};

const translatedText = await translate({
  query: process.env.TEXT,
  source: process.env.SOURCE || "fr",
  target: "en",
  apiurl: process.env.PASSERELLE_URL,
  apiKey: process.env.PASSERELLE_KEY,
});
console.log(JSON.stringify({ translatedText: translatedText ?? null, statuses }));
