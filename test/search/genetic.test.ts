import { samplerContract } from './contract';

samplerContract('genetic');
