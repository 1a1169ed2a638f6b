// The templates' escaping: every interpolation is escaped unless it is already markup.
import t from 'tap';
import { html, raw } from '../../../views/html.js';

t.test('html escapes text, keeps nested templates and raw(), drops empty values', async (t) => {
  const evil = `<img src=x onerror="alert('1')">&\``;
  t.equal(html`<p title="${evil}">${evil}</p>`.value, '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;</p>');
  t.equal(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.value, '<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>', 'lists: text escaped, templates kept');
  t.equal(html`${raw('<hr>')}${null}${undefined}${false}${0}`.value, '<hr>0');
  t.equal(html`${{ toString: () => '<x>' } as unknown as string}`.value, '&lt;x&gt;', 'objects are escaped through their string form');
});
