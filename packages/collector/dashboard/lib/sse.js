// Server-Sent Events read from a fetch response. EventSource cannot send an Authorization header,
// so the dashboard parses the wire format itself (https://html.spec.whatwg.org/#event-stream-interpretation).

/**
 * A push parser: feed it text chunks as they arrive; it calls `onEvent({type, data, id})` once per
 * complete event. Comments (`: ping`) and events without data are skipped, as EventSource does.
 */
export function sseParser(onEvent) {
  let buffer = '';
  let type = '';
  let data = [];
  let id;
  function line(text) {
    if (text === '') {
      if (data.length > 0) onEvent({ type: type || 'message', data: data.join('\n'), id });
      type = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  return (chunk) => {
    buffer += chunk;
    // A trailing \r may be the first half of \r\n split across chunks: decide on the next chunk.
    const held = buffer.endsWith('\r') ? 1 : 0;
    const lines = buffer.slice(0, buffer.length - held).split(/\r\n|\r|\n/);
    buffer = (lines.pop() ?? '') + buffer.slice(buffer.length - held);
    for (const l of lines) line(l);
  };
}

/** Reads an event-stream response to its end (or until `signal` aborts), calling `onEvent` per event. */
export async function readEvents(response, onEvent) {
  const push = sseParser(onEvent);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    push(value);
  }
}
