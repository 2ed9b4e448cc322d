/**
 * A function component's source is embedded in the IR and runs in another process, so it may use
 * only its arguments, what it requires or imports itself, and Node's globals. This module turns a
 * function into embeddable source and finds the names it would take from outside.
 */
import * as acorn from 'acorn';
import { analyze } from 'eslint-scope';
import { NotSelfContainedError, PipelineDefinitionError } from '../errors';

/** Names every CommonJS module can use besides the global object's properties. */
const MODULE_SCOPE = ['require', 'module', 'exports', '__filename', '__dirname'];

function allowedNames(): Set<string> {
  const names = new Set<string>(MODULE_SCOPE);
  for (let o: object | null = globalThis; o; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  }
  return names;
}

function parses(code: string): acorn.Program | undefined {
  try {
    return acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script', ranges: true });
  } catch {
    return undefined;
  }
}

/**
 * The function's JavaScript as an expression, and the name to report it under. Methods written
 * in shorthand (`fn(inputs) { ... }`) are wrapped so that they stay expressions.
 */
export function functionSource(
  fn: (...args: never[]) => unknown,
  component: string,
): { source: string; functionName: string } {
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    throw new PipelineDefinitionError(
      `component '${component}': the function is native or bound (fn.bind(...)), so its source cannot be ` +
        `embedded; pass a plain function or arrow function.`,
      { component },
    );
  }
  if (/^class\b/.test(text)) {
    throw new PipelineDefinitionError(
      `component '${component}': fn must be a function, not a class.`,
      { component },
    );
  }
  if (parses(`(${text});`)) return { source: text, functionName: fn.name };
  const method = parses(`({${text}});`);
  if (method) {
    const stmt = method.body[0];
    const obj = stmt?.type === 'ExpressionStatement' ? stmt.expression : undefined;
    const prop = obj?.type === 'ObjectExpression' ? obj.properties[0] : undefined;
    if (prop?.type === 'Property' && !prop.computed && prop.key.type === 'Identifier') {
      return {
        source: `({${text}})[${JSON.stringify(prop.key.name)}]`,
        functionName: prop.key.name,
      };
    }
  }
  throw new PipelineDefinitionError(
    `component '${component}': the function's source could not be parsed as JavaScript; write fn as a ` +
      `function expression or an arrow function.`,
    { component },
  );
}

function hint(name: string): string {
  if (/_\d+$/.test(name)) {
    const module = name.replace(/_\d+$/, '');
    return (
      `'${name}' looks like the compiled form of a module imported at the top of the file; ` +
      `require('${module}') inside the function instead`
    );
  }
  if (/^__[a-zA-Z]+$/.test(name)) {
    return (
      `'${name}' is a helper the TypeScript compiler adds (for import() or await on old targets); ` +
      `use require() inside the function and compile for ES2017 or later`
    );
  }
  return `'${name}' is defined outside the function`;
}

/** Throws {@link NotSelfContainedError} listing the names `source` takes from outside. */
export function checkSelfContained(source: string, component: string): void {
  const program = parses(`(${source});`);
  if (!program) {
    throw new PipelineDefinitionError(
      `component '${component}': the function's source could not be parsed.`,
      {
        component,
      },
    );
  }
  const scopes = analyze(program as never, { ecmaVersion: 2022, sourceType: 'script' });
  const allowed = allowedNames();
  const outside = [
    ...new Set(
      scopes.globalScope?.through
        .map((ref) => ref.identifier.name)
        .filter((n) => !allowed.has(n)) ?? [],
    ),
  ];
  if (outside.length === 0) return;
  throw new NotSelfContainedError(
    `function component '${component}' is not self-contained: it uses ${outside.map((n) => `'${n}'`).join(', ')} ` +
      `from outside its body. A function component runs in its own process with only its inputs, so ` +
      `everything it needs must be an input, be defined inside the function, or be required inside it. ` +
      `(${outside.map(hint).join('; ')}.)`,
    outside,
    { component },
  );
}
