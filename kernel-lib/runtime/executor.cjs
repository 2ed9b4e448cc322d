'use strict';
/**
 * Pipelab's executor: the entry point of TypeScript function components. The compiler embeds
 * this file's text in the IR, followed by a call
 *
 *   pipelabExecute(<the function>, {"returnsSingle": true|false}, process.argv.slice(1));
 *
 * and runs it as `node -e PROGRAM -- --executor_input <ExecutorInput JSON> --function_to_execute
 * <name>`, so it needs nothing but Node.js built-ins. (This file must never contain KFP's
 * placeholder syntax: the backend substitutes placeholders in the whole command.) It reads KFP's ExecutorInput, calls the function with
 * its inputs and output artifacts, writes each output parameter to its output file and the
 * ExecutorOutput to `outputs.outputFile`, and sets the exit code: 0 on success, 1 on any error
 * (with the message and stack on stderr).
 *
 * Everything except `pipelabExecute` lives inside it, so that no name of this file can clash
 * with a name the component's function uses.
 */
function pipelabExecute(fn, options, argv) {
  const fs = require('fs');
  const path = require('path');

  class ExecutorError extends Error {}
  ExecutorError.prototype.name = 'PipelabExecutorError';

  // Wraps whatever the component's own function threw (which may not even be an Error).
  class FunctionThrew {
    constructor(error) {
      this.error = error;
    }
  }

  let functionName = typeof fn === 'function' && fn.name ? fn.name : undefined;

  function parseArgs(list) {
    const found = {};
    for (let i = 0; i < list.length; i++) {
      const arg = String(list[i]);
      for (const flag of ['--executor_input', '--function_to_execute']) {
        if (arg === flag) {
          if (i + 1 >= list.length) throw new ExecutorError(`${flag} needs a value`);
          found[flag.slice(2)] = String(list[++i]);
        } else if (arg.startsWith(`${flag}=`)) {
          found[flag.slice(2)] = arg.slice(flag.length + 1);
        }
      }
    }
    return found;
  }

  function isPlainObject(value) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  }

  // protobuf's JSON mapping writes camelCase; accept the proto field names too.
  function pick(object, camel, snake) {
    if (!object || typeof object !== 'object') return undefined;
    return object[camel] !== undefined ? object[camel] : object[snake];
  }

  // KFP's convention for where an artifact's content is, given its URI.
  function localPath(uri) {
    if (typeof uri !== 'string') return undefined;
    if (uri.startsWith('file://')) {
      const rest = uri.slice('file://'.length);
      return rest.startsWith('/') ? rest : rest.replace(/^[^/]*/, '') || undefined;
    }
    const mounts = [
      ['gs://', '/gcs/'],
      ['s3://', '/s3/'],
      ['minio://', '/minio/'],
    ];
    for (const [prefix, mount] of mounts) {
      if (uri.startsWith(prefix)) return mount + uri.slice(prefix.length);
    }
    return path.isAbsolute(uri) ? uri : undefined;
  }

  function makeArtifact(raw, label) {
    const uri = typeof (raw && raw.uri) === 'string' ? raw.uri : '';
    const local = localPath(uri);
    const artifact = {
      name: typeof (raw && raw.name) === 'string' ? raw.name : '',
      uri,
      metadata: isPlainObject(raw && raw.metadata) ? { ...raw.metadata } : {},
      logMetric(metric, value) {
        if (typeof metric !== 'string' || metric === '') {
          throw new ExecutorError(`${label}: logMetric needs a metric name`);
        }
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new ExecutorError(
            `${label}: metric '${metric}' must be a finite number, got ${String(value)}`,
          );
        }
        artifact.metadata[metric] = value;
      },
    };
    Object.defineProperty(artifact, 'path', {
      enumerable: true,
      get() {
        if (local === undefined)
          throw new ExecutorError(`${label} has URI '${uri}', which has no local path`);
        return local;
      },
    });
    return artifact;
  }

  function artifactList(entry) {
    const list = pick(entry, 'artifacts', 'artifacts');
    return Array.isArray(list) ? list : [];
  }

  // Why a value cannot be an output parameter, or undefined when it can.
  function notJson(value, where) {
    if (value === null) return `${where} is null`;
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return undefined;
      case 'number':
        return Number.isFinite(value) ? undefined : `${where} is ${value}, which JSON cannot hold`;
      case 'object': {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const problem = notJson(value[i], `${where}[${i}]`);
            if (problem) return problem;
          }
          return undefined;
        }
        if (!isPlainObject(value)) {
          const kind =
            value.constructor && value.constructor.name ? value.constructor.name : 'object';
          const hint = value instanceof Date ? ' (use toISOString())' : '';
          return `${where} is a ${kind}, not a plain object${hint}`;
        }
        for (const [key, item] of Object.entries(value)) {
          const problem = notJson(item, `${where}.${key}`);
          if (problem) return problem;
        }
        return undefined;
      }
      default:
        return `${where} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`;
    }
  }

  const TYPE_CHECKS = {
    STRING: (v) => typeof v === 'string',
    NUMBER_INTEGER: (v) => Number.isSafeInteger(v),
    NUMBER_DOUBLE: (v) => typeof v === 'number',
    BOOLEAN: (v) => typeof v === 'boolean',
    LIST: (v) => Array.isArray(v),
    STRUCT: (v) => isPlainObject(v),
  };

  function checkOutput(name, value, types) {
    const problem = notJson(value, `output '${name}'`);
    if (problem) throw new ExecutorError(`${problem}; an output parameter must be a JSON value`);
    const type = types && types[name];
    const check = type && TYPE_CHECKS[type];
    if (check && !check(value)) {
      throw new ExecutorError(`output '${name}' must be ${type}, got ${JSON.stringify(value)}`);
    }
  }

  // The output parameter values from what the function returned.
  function outputValues(result, declared, types) {
    if (options && options.returnsSingle) {
      if (!declared.includes('Output')) {
        throw new ExecutorError(
          `the function returns its single output, but the task has no output parameter 'Output'`,
        );
      }
      if (result === undefined) {
        throw new ExecutorError(
          `the function returned undefined; it must return the value of its output 'Output'`,
        );
      }
      checkOutput('Output', result, types);
      return { Output: result };
    }
    if (result === undefined || result === null) {
      if (declared.length === 0) return {};
      throw new ExecutorError(
        `the function returned ${String(result)}; it must return an object with its outputs ${declared.map((n) => `'${n}'`).join(', ')}`,
      );
    }
    if (!isPlainObject(result)) {
      throw new ExecutorError(
        declared.length === 0
          ? `the function returned ${JSON.stringify(result)}, but the component has no output parameters; return nothing`
          : `the function must return an object with its outputs ${declared.map((n) => `'${n}'`).join(', ')}; got ${JSON.stringify(result)}`,
      );
    }
    for (const key of Object.keys(result)) {
      if (!declared.includes(key)) {
        throw new ExecutorError(
          `the function returned output '${key}', which the component does not declare ` +
            `(its output parameters: ${declared.length ? declared.join(', ') : 'none'})`,
        );
      }
    }
    const values = {};
    for (const name of declared) {
      if (!(name in result) || result[name] === undefined) {
        throw new ExecutorError(`the function did not return its output '${name}'`);
      }
      checkOutput(name, result[name], types);
      values[name] = result[name];
    }
    return values;
  }

  function writeFile(file, text) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }

  async function main() {
    const args = parseArgs(Array.isArray(argv) ? argv : []);
    if (args.function_to_execute) functionName = args.function_to_execute;
    if (typeof fn !== 'function')
      throw new ExecutorError(`the component's function is not a function`);
    if (args.executor_input === undefined) throw new ExecutorError('missing --executor_input');
    let executorInput;
    try {
      executorInput = JSON.parse(args.executor_input);
    } catch (error) {
      throw new ExecutorError(`--executor_input is not JSON: ${error.message}`);
    }
    const ins = pick(executorInput, 'inputs', 'inputs') || {};
    const outs = pick(executorInput, 'outputs', 'outputs') || {};

    const inputs = {};
    const parameterValues = pick(ins, 'parameterValues', 'parameter_values') || {};
    for (const [name, value] of Object.entries(parameterValues)) inputs[name] = value;
    for (const [name, entry] of Object.entries(pick(ins, 'artifacts', 'artifacts') || {})) {
      const list = artifactList(entry).map((raw) => makeArtifact(raw, `input artifact '${name}'`));
      inputs[name] = list.length === 1 ? list[0] : list.length === 0 ? undefined : list;
    }

    const outputs = {};
    for (const [name, entry] of Object.entries(pick(outs, 'artifacts', 'artifacts') || {})) {
      const raw = artifactList(entry)[0];
      if (!raw) continue;
      const artifact = makeArtifact(raw, `output artifact '${name}'`);
      const local = localPath(artifact.uri);
      if (local !== undefined) fs.mkdirSync(path.dirname(local), { recursive: true });
      outputs[name] = artifact;
    }

    const parameterSpecs = pick(outs, 'parameters', 'parameters') || {};
    const declared = Object.keys(parameterSpecs);

    let result;
    try {
      result = await fn(inputs, outputs);
    } catch (error) {
      throw new FunctionThrew(error);
    }

    const values = outputValues(result, declared, options && options.outputTypes);
    for (const [name, value] of Object.entries(values)) {
      const file = pick(parameterSpecs[name], 'outputFile', 'output_file');
      if (typeof file === 'string' && file !== '') {
        writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
      }
    }

    const artifacts = {};
    for (const [name, artifact] of Object.entries(outputs)) {
      const problem = isPlainObject(artifact.metadata)
        ? notJson(artifact.metadata, `the metadata of output artifact '${name}'`)
        : `the metadata of output artifact '${name}' is not a plain object`;
      if (problem) throw new ExecutorError(problem);
      artifacts[name] = {
        artifacts: [{ name: artifact.name, uri: artifact.uri, metadata: artifact.metadata }],
      };
    }
    const outputFile = pick(outs, 'outputFile', 'output_file');
    if (typeof outputFile === 'string' && outputFile !== '') {
      writeFile(outputFile, JSON.stringify({ parameterValues: values, artifacts }));
    }
  }

  function report(thrown) {
    const who = `function component${functionName ? ` '${functionName}'` : ''}`;
    const fromFunction = thrown instanceof FunctionThrew;
    const error = fromFunction ? thrown.error : thrown;
    const message = error instanceof Error ? error.message : String(error);
    const headline = fromFunction
      ? `pipelab: ${who} threw an error: ${message}`
      : `pipelab: ${who} failed: ${message}`;
    // The stack first and the headline last, so that the end of the log says what happened.
    const stack = error instanceof Error && error.stack ? `${error.stack}\n` : '';
    process.stderr.write(`${stack}${headline}\n`);
  }

  // A function may leave timers or sockets open; as a task it is done when it returns, so the
  // program exits shortly after (an unref'd timer never delays an exit that happens anyway).
  const settle = (code) => {
    process.exitCode = code;
    if (options && options.exitWhenDone) setTimeout(() => process.exit(), 500).unref();
    return code;
  };
  return main().then(
    () => settle(0),
    (error) => {
      try {
        report(error);
      } catch {
        process.stderr.write('pipelab: the function component failed\n');
      }
      return settle(1);
    },
  );
}

if (typeof module !== 'undefined' && module.exports) {
  module.exports = { pipelabExecute };
}
