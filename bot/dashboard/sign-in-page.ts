/** The sign-in page: "Sign in with Discord" when configured, and a form for a personal API token. */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function signInPage({ next, discord, error }: { next: string; discord: boolean; error?: string }): string {
  const n = escape(next);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>fleetbot — sign in</title>
<style>:root{font-family:system-ui,sans-serif;color:#1d2330;background:#f5f6f8}body{max-width:28rem;margin:4rem auto;padding:0 1rem}
a.button,button{display:inline-block;padding:.5rem 1rem;border-radius:6px;border:0;background:#5865f2;color:#fff;text-decoration:none;font-size:1rem;cursor:pointer}
input{width:100%;padding:.4rem;margin:.5rem 0;box-sizing:border-box}.error{color:#c0392b}</style></head>
<body><h1>fleetbot</h1>
${error ? `<p class="error" id="error">${escape(error)}</p>` : ''}
${discord ? `<p><a class="button" id="discord" href="/auth/discord?next=${encodeURIComponent(next)}">Sign in with Discord</a></p>` : ''}
<form method="post" action="/auth/token"><label>Personal API token (<code>fleetbot token create</code>)
<input type="password" name="token" autocomplete="off" required></label><input type="hidden" name="next" value="${n}">
<button type="submit">Sign in with a token</button></form>
</body></html>`;
}
