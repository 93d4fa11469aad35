// The demo sites' icon, so a browser's automatic /favicon.ico request is answered (a 404 there
// shows red in devtools and looks like a broken integration). One SVG, also named favicon.ico:
// browsers read the type from the answer, not the name.
const svg = (letter, colour) => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="${colour}"/><text x="16" y="23" font-family="system-ui,sans-serif" font-size="20" font-weight="700" fill="#fff" text-anchor="middle">${letter}</text></svg>`;

/** Adds `/favicon.svg` and `/favicon.ico` to an Express app. */
export function serveFavicon(app, { letter, colour }) {
  const body = svg(letter, colour);
  app.get(['/favicon.svg', '/favicon.ico'], (_req, res) => res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(body));
}

export const FAVICON_LINK = '<link rel="icon" href="/favicon.svg" type="image/svg+xml">';
