import { samplerContract } from './contract';

samplerContract('qmc');
