// Small DOM helpers of the live component's script (playground/ui/live_component.py joins dom.js, curve.js,
// views.js and live.js into one module).

const SVG = "http://www.w3.org/2000/svg";

function el(tag, attributes = {}, parent = null, namespace = null) {
  const element = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (parent) parent.appendChild(element);
  return element;
}
const svgEl = (tag, attributes, parent) => el(tag, attributes, parent, SVG);

function decode(text, Type) {
  if (!text) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return Type === Uint8Array ? bytes : new Type(bytes.buffer);
}
