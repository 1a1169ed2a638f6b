// The UI's only script besides htmx (no inline scripts: the CSP is default-src 'self').
// Copy buttons: <button class="copy" data-copy="ELEMENT_ID"> copies that element's text (an
// <input>'s value: without JavaScript such a read-only field is selected and copied by hand).
// navigator.clipboard needs https (or localhost); on a plain-http intranet the text is
// selected and copied with the older execCommand instead.
function flash(button, text) {
  const label = button.textContent;
  button.textContent = text;
  setTimeout(() => { button.textContent = label; }, 1500);
}

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  const source = document.getElementById(button.getAttribute('data-copy') || '');
  if (!source) return;
  const field = source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement ? source : null;
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText((field ? field.value : source.textContent) || '').then(() => flash(button, 'Copied'), () => flash(button, 'Copy failed'));
    return;
  }
  if (field) field.select();
  else window.getSelection().selectAllChildren(source);
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  flash(button, ok ? 'Copied' : 'Selected: press Ctrl+C');
});
