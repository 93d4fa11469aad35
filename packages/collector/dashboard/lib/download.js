// Saves text the dashboard fetched (with the Authorization header) as a file. An object URL on an
// <a download> is a download, not a navigation, so the page's CSP (default-src 'self') allows it.

export function saveText(text, filename, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser resolves the URL after this task; a minute is plenty and frees the text afterwards.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
