/** The bench worker's workflow registry: the product's workflows plus the floor, which the product never registers. */
export * from '../workflows';
export { benchFloor, benchShapeFloor } from './floor';
