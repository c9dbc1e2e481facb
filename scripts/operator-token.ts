/**
 * `npm start` runs this first: it makes sure `.dev.vars` (which git ignores)
 * holds an OPERATOR_TOKEN for local runs, making one on the first run, and
 * prints the links that use it. In production the token is a wrangler
 * secret: `npx wrangler secret put OPERATOR_TOKEN` (docs/moderation.md).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const file = new URL("../.dev.vars", import.meta.url);
const text = existsSync(file) ? readFileSync(file, "utf8") : "";
let token = /^OPERATOR_TOKEN=([A-Za-z0-9_-]{16,128})$/m.exec(text)?.[1];
if (!token) {
	token = randomBytes(32).toString("base64url");
	writeFileSync(file, `${text}${text && !text.endsWith("\n") ? "\n" : ""}OPERATOR_TOKEN=${token}\n`);
	console.log("Made a local operator token in .dev.vars");
}
const port = process.env.PORT ?? "8787";
console.log(`Operator (owner of the lobby and every public room): http://localhost:${port}/#operator=${token}`);
console.log(`  in a room: http://localhost:${port}/r/<room>#operator=${token}`);
