import { samplerContract } from './contract';

samplerContract('cmaes');
