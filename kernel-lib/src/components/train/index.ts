/**
 * The train step: fit the Chicago crime LSTM on the query step's daily totals, score it against
 * naive forecasts, write the Model and Metrics artifacts; and load a trained model for serving.
 *
 * ```ts
 * import { train, loadTrainedModel } from 'pipelab/dist/components/train';
 * const result = await train(series, { preset: 'default', onEpoch: (e) => plot(e) });
 * await result.save('model/');
 * const predictor = await loadTrainedModel('model/');
 * predictor.forecast(lastMonth, 7);
 * ```
 */
export { train } from './train';
export type { EpochLoss, EpochProgress, TestPrediction, TrainOptions, TrainResult } from './train';
export { trainMain, TRAIN_USAGE } from './main';
export type { TrainMainIO } from './main';
export { loadTrainedModel, createPredictor } from './predictor';
export type { PredictInput, Predictor } from './predictor';
export { DEFAULT_SEED, PRESET_NAMES, resolveTrainConfig } from './presets';
export type { AdamConstants, PresetName, TrainConfig, TrainConfigOptions } from './presets';
export { BACKENDS, describeBackend, initBackend, tfjsNodeInstalled } from './backend';
export type { BackendInfo, BackendName, BackendOptions } from './backend';
export {
  formatDatasetCsv,
  parseDatasetCsv,
  parseDay,
  readDatasetCsv,
  seriesFromPoints,
} from './csv';
export type { DailyPoint, DailySeries, DatasetFile } from './csv';
export { cardSummary, MODEL_CARD_FORMAT, recentStats, TRAIN_METRIC_NAMES } from './card';
export type { ModelCard, RecentStats, TrainMetrics } from './card';
export { PREPROCESSING_FORMAT } from './features';
export type { Preprocessing } from './features';
export { score } from './metrics';
export type { Scores } from './metrics';
export { NAIVE_FORECASTS, naiveForecast, naiveForecasts } from './naive';
export type { NaiveForecast } from './naive';
export { fileLoadHandler, fileSaveHandler, MODEL_FILES } from './save';
export {
  DatasetError,
  ModelLoadError,
  PredictInputError,
  TrainError,
  TrainOptionsError,
} from './errors';
