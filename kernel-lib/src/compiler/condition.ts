/**
 * Renders `If`/`Elif`/`Else` tests as the CEL expressions KFP puts in `triggerPolicy.condition`,
 * with KFP's type promotion (string > boolean > double > integer) and `int(...)` around integer
 * parameters.
 */
import { isParamChannel, type ConditionOperation, type ParamChannel } from '../dsl/channel';
import { PipelineDefinitionError } from '../errors';
import type { JsonValue, ParameterType } from '../dsl/types';

type Operand = ParamChannel | JsonValue;

function operandType(operand: Operand, pipeline: string): ParameterType {
  if (isParamChannel(operand)) {
    if (operand.type === 'LIST' || operand.type === 'STRUCT') {
      throw new PipelineDefinitionError(
        `a condition can only compare strings, numbers and booleans; '${operand.fullName}' is ${operand.type}.`,
        { pipeline, parameter: operand.fullName },
      );
    }
    return operand.type;
  }
  if (typeof operand === 'string') return 'STRING';
  if (typeof operand === 'boolean') return 'BOOLEAN';
  if (typeof operand === 'number')
    return Number.isInteger(operand) ? 'NUMBER_INTEGER' : 'NUMBER_DOUBLE';
  throw new PipelineDefinitionError(`a condition cannot compare with ${JSON.stringify(operand)}.`, {
    pipeline,
  });
}

function canonicalType(types: Set<ParameterType>): ParameterType {
  if (types.size === 1) return [...types][0] as ParameterType;
  if (types.has('STRING')) return 'STRING';
  if (types.has('BOOLEAN')) return 'BOOLEAN';
  return 'NUMBER_DOUBLE';
}

function render(operand: Operand, type: ParameterType, canonical: ParameterType): string {
  let text: string;
  if (isParamChannel(operand)) {
    text = `inputs.parameter_values['${operand.channelInputName}']`;
    if (type === 'NUMBER_INTEGER') text = `int(${text})`;
  } else if (typeof operand === 'string') {
    text = `'${operand.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  } else {
    text = String(operand);
  }
  if (type === canonical) return text;
  if (canonical === 'STRING') return `'${text}'`;
  if (canonical === 'BOOLEAN') return Number(text) === 0 ? 'true' : 'false';
  return `double(${text})`;
}

function renderOperation(op: ConditionOperation, pipeline: string): string {
  const leftType = operandType(op.left, pipeline);
  const rightType = operandType(op.right, pipeline);
  const canonical = canonicalType(new Set([leftType, rightType]));
  const text = `${render(op.left, leftType, canonical)} ${op.operator} ${render(op.right, rightType, canonical)}`;
  return op.negate ? `!(${text})` : text;
}

/** The CEL conjunction of a condition group's operations. */
export function conditionToCel(ops: readonly ConditionOperation[], pipeline: string): string {
  return ops.map((op) => renderOperation(op, pipeline)).join(' && ');
}

/** The channels a condition reads. */
export function conditionChannels(ops: readonly ConditionOperation[]): ParamChannel[] {
  return ops.flatMap((op) => [op.left, op.right].filter(isParamChannel));
}
