/**
 * Errors of the train step. Each names what the caller has to fix: the CSV line, the option, the
 * model directory.
 */
import { PipelabError, type ErrorContext } from '../../errors';

/** Something went wrong while training, evaluating or saving the model. */
export class TrainError extends PipelabError {
  constructor(
    message: string,
    context: ErrorContext = {},
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, { component: 'train', ...context }, { code: 'TRAIN_FAILED', ...options });
  }
}

/** The input Dataset (the query step's CSV) cannot be used: unreadable, malformed, too short. */
export class DatasetError extends TrainError {
  /** The 1-based line of the CSV the error is about, when there is one. */
  readonly line: number | undefined;

  constructor(
    message: string,
    context: ErrorContext & { line?: number } = {},
    options: { cause?: unknown } = {},
  ) {
    const { line, ...rest } = context;
    super(message, rest, { ...options, code: 'INVALID_DATASET' });
    this.line = line;
  }
}

/** An option (or command-line argument) of the train step is invalid. */
export class TrainOptionsError extends TrainError {
  constructor(message: string, parameter: string, options: { cause?: unknown } = {}) {
    super(message, { parameter }, { ...options, code: 'INVALID_TRAIN_OPTION' });
  }
}

/** A trained-model directory cannot be loaded (missing file, unknown format, bad JSON). */
export class ModelLoadError extends TrainError {
  constructor(message: string, file: string, options: { cause?: unknown } = {}) {
    super(message, { file }, { ...options, code: 'INVALID_MODEL' });
  }
}

/** A prediction request does not fit the model (too little history, missing dates). */
export class PredictInputError extends TrainError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, {}, { ...options, code: 'INVALID_PREDICTION_INPUT' });
  }
}
