import { samplerContract } from './contract';

samplerContract('grid', { shuffle: true });
