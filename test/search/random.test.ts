import { samplerContract } from './contract';

samplerContract('random');
