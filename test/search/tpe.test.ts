import { samplerContract } from './contract';

samplerContract('tpe');
