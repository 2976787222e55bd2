// The npm translate package, engine "libre", against the gateway: its url
// is PASSERELLE_URL/translate and its key PASSERELLE_KEY. Prints
// {"translatedText": ...} or {"error": ...} (the package throws the
// server's {"error"} message) on one line.
import translate from "translate";

translate.engine = "libre";
translate.url = `${process.env.PASSERELLE_URL}/translate`;
translate.key = process.env.PASSERELLE_KEY;
try {
  const translatedText = await translate(process.env.TEXT, { from: "fr", to: "en" });
  console.log(JSON.stringify({ translatedText }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message }));
}
