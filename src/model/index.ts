export { Sequential, defaultRuntime, type CompileOptions, type ModelTopology, type BatchPlan, type Plan, type PlanMode, type StepPhases } from './sequential.js';
export { zoo, zooEntry, zooModel, zooNames, type ZooEntry } from './zoo.js';
