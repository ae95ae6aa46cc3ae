import { samplerContract } from './contract';

samplerContract('grid');
